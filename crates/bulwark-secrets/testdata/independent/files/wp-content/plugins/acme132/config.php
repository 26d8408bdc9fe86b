<?php
return [
    'csrf_token_field' => 'csrf-token',
    'vercel_token' => 'q7W5LnuxPQPGHhTiDo06UmbG',
    'version' => '7.6.79+build.1a083a1',
    'retries' => 3,
    'ssh_host_key_fingerprint' => 'SHA256:XrAUQ0nCZmKQ/gsC/mOaT35uEW1OUATy5UIAFynIhWo',
    'stylesheet' => 'application-de4468bc141915aa0eea2d76f73febb0d662a4cd804cc13d781c4f6a03e601d1.css',
    'duffel_token_header' => 'Authorization',
    'gpg_fingerprint' => '4133297B761381796173378B02E5A49F9DD78CC5',
    'alibaba_key_rotation_days' => '90',
    'tenant_id' => 'cb17bde1-ab33-4685-9890-ceace86d5042',
    'aws_access_key_id' => 'ABIAGGM52UAZIZECYZ37',
    'retries' => 3,
    'clickhouse_api_secret' => 'op://prod/clickhouse/credential',
    'region' => 'eu-west-1',
    'xai_api_key' => '<your-xai-token>',
];
