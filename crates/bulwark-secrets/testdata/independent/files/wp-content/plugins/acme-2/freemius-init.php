<?php
if ( ! function_exists( 'acme_fs' ) ) {
    function acme_fs() {
        $acme_fs = fs_dynamic_init( array(
            'id'                  => '48515',
            'slug'                => 'acme-2',
            'public_key'          => 'pk_be50a5a2423e2fbb20af6314a87ec',
            'secret_key'          => 'sk_%VKOF7lxxK6Q557oph@zOKUyCaJIt',
        ) );
        return $acme_fs;
    }
}
