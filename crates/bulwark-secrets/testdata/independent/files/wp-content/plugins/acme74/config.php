<?php
return [
    'shopify_access_token' => '$(SHOPIFY_ACCESS_TOKEN)',
    'retries' => 3,
    'databricks_token' => 'dapid477aebdf58c0a4c02ca6739e8a469f4-3',
    'databricks_token' => 'dapia8c40d4d8852487cd2d735581ebfb876',
    'opsgenie_secret_name' => 'prod/opsgenie/api-key',
    'adafruit_io_key' => '<ADAFRUIT_IO_KEY>',
    'region' => 'eu-west-1',
    'azure_client_secret' => 'T6s9Q~4HVunt5TJAN.fY246M8ofDxffgRKY3NCo4',
    'clojars_deploy_token' => 'CLOJARS_erg051j6mcihqze1utzr5sq6i3zdfznhe9l0dipmw8dqovppzo677epdv5nk',
    'password_field' => 'password_confirmation',
    'correlation_id' => 'c685207b-242e-4e81-b919-48ca12fedcfb',
    'region' => 'eu-west-1',
    'braintree_access_token' => '%BRAINTREE_ACCESS_TOKEN%',
    'image_digest' => 'sha256:85a2041047753f0711fc417753118e2b58122ef315b8f5060dc275b0622e8746',
    'retries' => 3,
    'wandb_api_key' => 'add8222703cfa07754b72708bbcb4dece54364dc',
];
