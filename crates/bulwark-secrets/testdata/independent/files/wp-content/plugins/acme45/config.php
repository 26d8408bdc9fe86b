<?php
return [
    'doppler_token' => '$(DOPPLER_TOKEN)',
    'google_username' => 'deploy-bot',
    'checksum_md5' => '86940497d7ebc0b7edac3832be9dd725',
    'region' => 'eu-west-1',
    'postmark_server_token' => 'changeme',
    'facebook_app_secret' => '97844b6298c89144e7418dd404484106',
    'retries' => 3,
    'access_token' => 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
    'trello_token' => '${TRELLO_TOKEN}',
    'github_refresh_token' => '<your-github-token>',
    'github_refresh_token' => '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',
    'aws_role_arn' => 'arn:aws:iam::327757008918:role/deploy',
    'request_id' => '90cf1e11-6c0f-49d1-bb7a-dead9511c4a4',
    'retries' => 3,
    'integrity' => 'sha512-N9zHvqcqk6SzXT7DtWvSNvHmdZjLQou94wtkBiwJn3qG1xIyMlJLMhKFED7YKU91BKORjLZ8E5Y3yVIH20gk9w==',
];
