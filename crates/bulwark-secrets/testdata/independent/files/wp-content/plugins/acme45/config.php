<?php
return [
    'logo_png' => 'data:image/png;base64,55JWKJHRSDQNeFWTeMNleVl7xpaGZjIP6t0fJVsY8EzizKQvGcCOLzorV/fKXis0Ir0ur9U3UtpQFCds9JCWQ5WkKnhrJq6oqUP7jlGxdbxeXGSkFUfw0gY9',
    'cloudflare_api_token' => '{{ .Values.cloudflare.token }}',
    'azure_subscription_id' => '46981a3b-e764-4e85-9ff4-3acda72481ca',
    'twilio_account_sid' => 'ACd611310b8c103e298ca2a22f7b11155f',
    'easypost_api_key' => 'EZAK64aTX3EyiRLWwSvKeWHch7WRtpj6ku8pDs3gS6AAA2tE1Y4Bn2jlwu',
    'retries' => 3,
    'splunk_timeout_seconds' => '30',
    'retries' => 3,
    'access_token' => 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
    'npm_token' => '{{ npm_token }}',
    'gemini_api_key' => 'AIzaf7ZoXQkRB7SrpkkXv_DtKoLUi6I_6T3mvRG',
    'secret_key_base_file' => '/run/secrets/secret_key_base',
    'retries' => 3,
    'build_id' => '216a5f4bd1d992483334ff0e6b5d3b02',
    'retries' => 3,
    'mailchimp_api_key' => 'a874e5e5efb926daeeea432ac60aab8c-us12',
];
