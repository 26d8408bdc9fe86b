<?php
return [
    'gem_host_api_key' => 'rubygems_8fa7a16ea5563e246a2abb994c0f6e031ca9630479f1f20d',
    'retries' => 3,
    'settlemint_access_token' => 'sm_pat_oZihmBzQ3Bywpy2N',
    'secret' => 'abcdefghijklmnopqrstuvwxyz012345',
    'artifact_sha256' => 'aa6434c6f8153c69ac7132a4820e6ec7c815f0e6f6a56e96c6ba1721f6115af1',
    'retries' => 3,
    'alibaba_cloud_access_key_id' => 'LTAIQwqvA0vtscyxdRVgEnLE',
    'password_min_length' => '8',
    'ci_runner_token' => 'glrt-kuKjzZ6IC7QsLfjNe1IP',
    'twilio_account_sid' => 'ACa61c484c1d42214a955d32d729807442',
    'region' => 'eu-west-1',
    'csrf_token_field' => 'csrf-token',
    'google_client_secret' => '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',
    'request_id' => '6005df4b-230e-457e-bcc5-2b4588be9b26',
    'stripe_publishable_key' => 'pk_live_px43Kmm2fjJPH3CEqBzMUjNh',
];
