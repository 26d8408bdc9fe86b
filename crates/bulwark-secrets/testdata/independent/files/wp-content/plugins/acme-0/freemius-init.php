<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '81899',
            'slug'                => 'acme-0',
            'public_key'          => 'pk_16111cd03e2a073c7376a5b8db1ad',
            'secret_key'          => 'sk_0XImTrIQ^GVesZVdkWBOmPuXaVXP0',
        ) );
        return $acme_fs;
    }
}
