<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '50664',
            'slug'                => 'acme-0',
            'public_key'          => 'pk_32564ba3ddabfd795977e4c40792a',
            'secret_key'          => 'sk_rm8bxZFn!byZTQo1*.4Xlt5kQhH*d',
        ) );
        return $acme_fs;
    }
}
