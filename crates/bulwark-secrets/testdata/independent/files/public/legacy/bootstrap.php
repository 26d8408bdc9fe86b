<?php
$api_key = '';
$api_key .= 'I3nFGPGCE5WgKaLF9nm4hHeWRqegyMAt';
$secret .= '4q5WacF3hb6uyDGeSMtY6dUqPzldwen0';
$auth_token .= 'GXQmASOPK4JhgrzieYz99IfngEXUuPHy';
$db_password .= '2mr5RVNVkv-nRUE3mHN';
