<?php
return [
    'region' => 'eu-west-1',
    'sri_hash' => 'sha384-pl6l2jUlrDuGTXOd/LQp1dFpZpI2zRuv8vDLllRUbbc9a3JLXETIO8TWAJQEVfRl',
    'octopus_api_key' => 'API-U7JM2J4TYGT4HO92CRXO45G1AN',
    'aws_timeout_seconds' => '60',
    'fly_api_token' => 'fo1_ORZypNmrO-j2pEwlIP52O1kyFtuImrQ6SGGqt4gamsi',
    'region' => 'eu-west-1',
    'firebase_api_key' => 'AIzaSyDOCAbC123dEf456GhI789jKl012-MnO',
    'region' => 'eu-west-1',
    'gitlab_deploy_token' => 'gldt-x2I1HZKpQbRfKqvlMK7h',
    'github_oauth_token' => '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',
    'region' => 'eu-west-1',
    'go_module_sum' => 'h1:Mpyiqku3npkdQCB9U9JdOr2vAg9DqadyLUj09S529jM=',
    'bundle_enterprise__contribsys__com' => 'xxxxxxxxxxxxxxxxxxxxxxxx',
    'google_access_token' => '%GOOGLE_ACCESS_TOKEN%',
    'admin_password_hash' => '$2y$10$iJ6FdiG7PivSjxkdg6XxJM7l6SjCh89oILnxclqlMBG32AaYv2pGk',
    'atlassian_api_token' => 'ATATT3RTihB15cnE-f_GByLF-DzPs-jt3QAhFHjFoirPngLjzQ-PgqFBIn8eIPGIVJmqZ9EvXNPSOZH9kfeukEFUOdF55UTcAf0U1XO4AtsSwyiFhm-wy3noBm43yVoflSDS_4MbCxJmQ09MUAMaMTIPPRrYo4M3uMgmaGBdq4uruglpwep8eXD=D0901816',
];
