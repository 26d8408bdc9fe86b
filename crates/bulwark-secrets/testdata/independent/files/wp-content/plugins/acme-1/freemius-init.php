<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '15185',
            'slug'                => 'acme-1',
            'public_key'          => 'pk_fe7048391074760597419fc4f0f5f',
            'secret_key'          => 'sk_Spy4O5yLOpmUGMEQoW~nqcxnh!RM5',
        ) );
        return $acme_fs;
    }
}
