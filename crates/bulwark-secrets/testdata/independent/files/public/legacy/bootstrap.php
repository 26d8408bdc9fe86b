<?php
$api_key = '';
$api_key .= '4vWZNf9lWRCrlcQJOTxlUSIrTGwMABnj';
$secret .= 'GE2xTzWKa657W5J4eConIKFfYhwTH0FO';
$auth_token .= '2NuFd1EJwisuvQ3plO4TaQlBNC3qszxC';
$db_password .= 'p7UeTlu143_i8TM3Xah';
