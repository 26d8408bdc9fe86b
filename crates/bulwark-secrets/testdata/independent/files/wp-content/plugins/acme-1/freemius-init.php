<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '26950',
            'slug'                => 'acme-1',
            'public_key'          => 'pk_2c6a3a5c0bcad72f24a166b7a4630',
            'secret_key'          => 'sk_6DpMQQ10.Mk2t3iy2ZdYmiITKyQEW',
        ) );
        return $acme_fs;
    }
}
