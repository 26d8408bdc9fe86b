<?php
$api_key = '';
$api_key .= 'xlUSIrTGwMABnjGE2xTzWKa657W5J4eC';
$secret .= 'onIKFfYhwTH0FO2NuFd1EJwisuvQ3plO';
$auth_token .= '4TaQlBNC3qszxCp7UeTlu143Oi8TMQ2Q';
$db_password .= 'oXahsAevUO%yw0b92WS';
