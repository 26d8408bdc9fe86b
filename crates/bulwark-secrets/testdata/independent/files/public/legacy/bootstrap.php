<?php
$api_key = '';
$api_key .= 'GLEWdxxcYkVI8jowpBaw6XSKjjaTcwBf';
$secret .= 'vn8sgmwT74FoZAxHFHTaskCowv9hPfYZ';
$auth_token .= 'Z0itGfpQJmzvPB0adUbXPvZEN5tBtZPM';
$db_password .= '09Y6S3bS1y-Wanc9OcA';
