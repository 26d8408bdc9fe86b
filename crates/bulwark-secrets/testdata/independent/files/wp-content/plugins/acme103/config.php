<?php
return [
    'supabase_access_token' => 'your_supabase_key_here',
    'adobe_region' => 'ap-south-1',
    'github_refresh_token' => '********',
    'grafana_token' => 'glsa_ETLaCjckU0Bcoswaja6d7DvILy7RKOOq_1a537270',
    'retries' => 3,
    'request_id' => 'b5afd7be-9103-4bc2-8eef-634193b917e4',
    'messagebird_api_key' => '',
    'yc_token' => 'REPLACE_WITH_YC_TOKEN',
    'api_key' => 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'secret_key_base_file' => '/run/secrets/secret_key_base',
    'bundle_token_header' => 'X-Api-Key',
    'token_url' => 'https://auth.example.com/oauth2/token',
    'access_token' => 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
];
