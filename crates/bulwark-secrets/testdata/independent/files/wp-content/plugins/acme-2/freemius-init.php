<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '70456',
            'slug'                => 'acme-2',
            'public_key'          => 'pk_439753be680381cc2cc1f0d90b809',
            'secret_key'          => 'sk_IlTm%XYin4b3fO7&TkX!Yc3#XZ9gG',
        ) );
        return $acme_fs;
    }
}
