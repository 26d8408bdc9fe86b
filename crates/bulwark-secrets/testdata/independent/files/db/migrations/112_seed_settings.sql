-- seed application settings
BEGIN;
UPDATE app_settings SET kraken_private_key = 'm1yE/iaPaLRpEabt9Wyn4czmOT+8dRESiNpaVOQ+OCLNz0oC8woNVcCg1r7auhWoM01z7mhygRZTejUuxReyPA==' WHERE id = 1;
UPDATE app_settings SET prefect_api_key = 'pnu_vSv8yc1YNI6srJqa3An4jfv6WosuPYnmkC2n' WHERE id = 1;
UPDATE app_settings SET api_key = 'ENC[AES256_GCM,data:HaVLvNsLXaZD1c47OOqeP521p8qBKh7w,iv:p7nbwMqZuP7/1xk2jit8Hja4AmkUC+izkEDGlNCcNUc=,tag:kZ5YSIViIF6DuA/CshYsVw==,type:str]' WHERE id = 1;
UPDATE app_settings SET gitlab_token = 'glpat-Rr-6STtG6FRxSB0Wj83-' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET tencentcloud_secret_id = '$(TENCENTCLOUD_SECRET_ID)' WHERE id = 1;
UPDATE app_settings SET google_client_id = '357519008649-fx0ldxgb3gi8n9qbezhtsrgb9qwp8mw1.apps.googleusercontent.com' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET hf_region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET git_commit = 'ebf3b0130faeaea78f541a751b388be68183d9c2' WHERE id = 1;
UPDATE app_settings SET new_relic_api_key = '<NEW_RELIC_API_KEY>' WHERE id = 1;
UPDATE app_settings SET slack_token_ttl = '24h' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET tencentcloud_account_id = '257414168724' WHERE id = 1;
UPDATE app_settings SET dt_api_token = 'dt0c01.X7KMO54WX8PWV5CFFKSBG7G3.7W9PU43SB8O2PW9FWAROUGGMVCM04BE9ZD27N1Z3XMWGM891G1MDRDPGK5LBM4BU' WHERE id = 1;
COMMIT;
