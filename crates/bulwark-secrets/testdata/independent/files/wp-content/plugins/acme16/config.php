<?php
return [
    'region' => 'eu-west-1',
    'render_api_key' => '{{ .Values.render.token }}',
    'retries' => 3,
    'go_module_sum' => 'h1:QZjDr82EC/2qqfamNVCF/hgVykXDtWDKyQMz4fLzAi0=',
    'teams_webhook_url' => 'https://fkuqyckc.webhook.office.com/webhookb2/aaef6cba-ad2e-4b8f-adb0-cc3545147733@687a790e-1977-4095-9dff-f446d6e8ade4/IncomingWebhook/c163416de73c163505b791f26c613929/6bd119f5-891a-42cf-b0af-9460c40dd176',
    'git_commit' => '6e134e5527dbb77c50452891dc92dff0862ce5df',
    'algolia_app_id' => '1K7Q79NNCN',
    'region' => 'eu-west-1',
    'hf_token' => '$(HF_TOKEN)',
    'clickhouse_enabled' => 'true',
    'supabase_access_token' => '<your-supabase-token>',
    'artifact_sha256' => '7046e8f3914fa175ba185478f1dde53f4e485c23beff2b36af93911e8db71e5d',
    'frameio_token' => 'arn:aws:secretsmanager:eu-west-1:141572374547:secret:frameio-xbsV32',
    'aws_project' => 'billing',
    'airtable_token' => '<your-airtable-token>',
];
