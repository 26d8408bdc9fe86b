<?php
$config = array(
    'public_key' => 'pk_ee359822b297f44c466c2c1956127',
    'secret_key' => FS_SECRET_KEY,
);
