<?php
return [
    'telegram_bot_token' => '9737292717:AAWm2-qJ4Ksil2A62w2J7d8_4JLcAJ0vYw_',
    'retries' => 3,
    'asset' => 'hero.ico-5eda6332e8a70b1c6f626cb7a137409d.png',
    'retries' => 3,
    'hf_token' => '',
    'looker_client_id' => 'Mx2glrR6Ggq0wEjq5xHX',
    'git_sha' => '39ea03e13dc561e9ade58ae32e30e90813b8010e',
    'tenant_id' => 'f92f6b9d-8305-4e2d-945b-8ff45f85f05d',
    'algolia_app_id' => '5GU029NOVU',
    'retries' => 3,
    'api_key' => 'ENC[AES256_GCM,data:xaPoXy7n8HeKmTXODsd0R3OqkWSU4u64,iv:Fd67ZiqmrR3O4/0ewNF8x8f2MdZoOfDJlsL5ejJlZtU=,tag:OKqm9+C1+E4DGHiwFU+sSQ==,type:str]',
    'region' => 'eu-west-1',
    'mapbox_public_token' => 'pk.eyJ1IjogImFjbWUiLCAiYSI6ICJkaHdmMXY3amN2cTc3N3o5M2x0bWpzajFiIn0.FJOF5F43ScyZy426gGnzXJ',
    'algolia_app_id' => 'CDIKKDAG8N',
    'auth_token_path' => '/var/run/secrets/kubernetes.io/serviceaccount/token',
    'src_access_token' => 'sgp_123d5f93de10738bb7b9fa58cbd5d2f3036d8135',
];
