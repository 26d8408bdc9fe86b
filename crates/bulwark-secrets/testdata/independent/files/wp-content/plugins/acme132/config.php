<?php
return [
    'algolia_app_id' => 'HL14F7BI8H',
    'stylesheet' => 'application-b6d118dfb3274789e8a06f1c9e1d6d7dc16b74133297b761381796173378b02e.css',
    'openai_api_key' => '{{ openai_api_key }}',
    'retries' => 3,
    'gem_host_api_key' => '<your-gem-token>',
    'retries' => 3,
    'deepseek_api_key' => 'vault:secret/data/deepseek#token',
    'retries' => 3,
    'mandrill_api_key' => 'Lk4IjkVlyxcpE4UUaR4FbT',
    'pusher_app_secret' => 'REPLACE_WITH_PUSHER_APP_SECRET',
    'api_key' => 'ENC[AES256_GCM,data:NvruWPKAeH8/dQC/C2WTGuoK2rbw4Zir,iv:ka09eXganzkvz8WKqyf2qIBPbg5MlgjZgwJIN798Mjg=,tag:DZO9zkGaS3ewbSe8gd5R7g==,type:str]',
    'gh_pat' => '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',
    'google_client_id' => '795222790278-ujs1rgypf0o1osrta6o8xt6lmnypvdau.apps.googleusercontent.com',
    'sumo_access_id' => '{{ .Values.sumo.token }}',
    'squarespace_api_key' => '0362e818-c18e-42d8-8238-7f2bd35b7129',
];
