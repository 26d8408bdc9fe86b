<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '69157',
            'slug'                => 'acme-0',
            'public_key'          => 'pk_3f6cb63fd6276569316111cd03e2a',
            'secret_key'          => 'sk_dCmYCnEAOwSG0VgR10XImTrIQ^GVe',
        ) );
        return $acme_fs;
    }
}
