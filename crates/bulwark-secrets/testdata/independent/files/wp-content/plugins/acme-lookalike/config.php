<?php
$config = array(
    'public_key' => 'pk_070f51c8f56585e70a347e6160ff0',
    'secret_key' => FS_SECRET_KEY,
);
