<?php
return [
    'teams_webhook_url' => '********',
    'auth_token_path' => '/var/run/secrets/kubernetes.io/serviceaccount/token',
    'messagebird_api_key' => '********',
    'stripe_token_ttl' => '24h',
    'dd_app_key' => 'vault:secret/data/dd#token',
    'figma_token' => '<your-figma-token>',
    'travis_api_token' => '${TRAVIS_API_TOKEN}',
    'retries' => 3,
    'logo_png' => 'data:image/png;base64,2L3flZvIq4OiRQbFMp+t8Amz3HjG+lcU/A5Pv+q7p0Y/Do7Lh4wXgnc2ahGQ5n+7Eqa4ul2hAO+OmBr1pfYVvGb5I3xrPPJcQpKDVYBUpqZdi3SPeI+myht3',
    'request_id' => '8a4d0ded-7872-4fbe-833b-fd21dfdbb0d2',
    'flutterwave_secret_key' => '{{ .Values.flutterwave.token }}',
    'adobe_client_secret' => 'p8e-0digL0uF3mFDKhsGpDbakFNdk07O1wqs',
    'cache_buster' => 'cc72fe8985de2196efb7',
];
