<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '76294',
            'slug'                => 'acme-2',
            'public_key'          => 'pk_f1607ea3b22c49d3382c939ca4698',
            'secret_key'          => 'sk_1HSHd9!xmL~lic%xXlsOJGbF84iAu',
        ) );
        return $acme_fs;
    }
}
