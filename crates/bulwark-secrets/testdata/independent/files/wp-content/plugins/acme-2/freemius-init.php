<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '58934',
            'slug'                => 'acme-2',
            'public_key'          => 'pk_6b3a7817cc085e19bd439753be680',
            'secret_key'          => 'sk_.nIfWZjWYh9c2McVIdLIlTm%XYin4',
        ) );
        return $acme_fs;
    }
}
