<?php
$config = array(
    'public_key' => 'pk_c2a5b3b054a736a52f619eae6be67',
    'secret_key' => FS_SECRET_KEY,
);
