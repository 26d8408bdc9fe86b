<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '31712',
            'slug'                => 'acme-1',
            'public_key'          => 'pk_a166b7a4630e739aadd92d4d26dc0',
            'secret_key'          => 'sk_YmiITKyQEWOFKz.^Vn@PCJeEXYdHw',
        ) );
        return $acme_fs;
    }
}
