<?php
return [
    'opsgenie_secret_name' => 'prod/opsgenie/api-key',
    'secret_arn' => 'arn:aws:secretsmanager:eu-west-1:657116106041:secret:prod/db-PwBT06',
    'lob_api_key' => 'test_6060195950edff984e2d5598cd8ce4f627c',
    'region' => 'eu-west-1',
    'mapbox_public_token' => 'pk.eyJ1IjogImFjbWUiLCAiYSI6ICJydGQ3dHlmZmN3NnZvdDR4ZG9yMWsyNXUzIn0._2y50REz_0GbxM-ACsGs0M',
    'region' => 'eu-west-1',
    'sendgrid_api_key' => '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',
    'wandb_api_key' => 'changeme',
    'retries' => 3,
    'facebook_app_secret' => 'a83929aa59ccacafa5ca3177b079f958',
    'csrf_token_field' => 'csrf-token',
    'twitch_client_secret' => 'p3uuulf8qfnpenlmdmpwd1kq3hdqdk',
    'region' => 'eu-west-1',
    'square_access_token' => 'sq0csp-6xSA5NSyFC5lchC0lhx5vjHRaVlufGjz_ymmwotCzCT',
    'kraken_private_key' => 'changeme',
    'new_secret_name' => 'prod/new/api-key',
];
