<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '77172',
            'slug'                => 'acme-1',
            'public_key'          => 'pk_24950cf0930bf5242d503a65c4f8b',
            'secret_key'          => 'sk_!9ap1#wjIrpD~O182Jzp3P&Nfd8uJ',
        ) );
        return $acme_fs;
    }
}
