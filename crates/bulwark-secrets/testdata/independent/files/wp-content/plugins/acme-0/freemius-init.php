<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '39930',
            'slug'                => 'acme-0',
            'public_key'          => 'pk_f68a2a98b1993c47c4876aa7db880',
            'secret_key'          => 'sk_hzdbADmWquiv28Xs@9Z&!G~dh7PJL',
        ) );
        return $acme_fs;
    }
}
