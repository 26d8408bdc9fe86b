<?php
$config = array(
    'public_key' => 'pk_0d1aefb2cc0dfccf18ee359822b29',
    'secret_key' => FS_SECRET_KEY,
);
