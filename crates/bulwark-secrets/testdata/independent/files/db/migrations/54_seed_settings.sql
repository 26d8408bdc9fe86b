-- seed application settings
BEGIN;
UPDATE app_settings SET span_id = '48ad4e0c593ff781' WHERE id = 1;
UPDATE app_settings SET mattermost_access_token = 'm50234i18urwbj4t1x1lrr9fu0' WHERE id = 1;
UPDATE app_settings SET csrf_token_field = 'csrf-token' WHERE id = 1;
UPDATE app_settings SET asana_secret_name = 'prod/asana/api-key' WHERE id = 1;
UPDATE app_settings SET op_secret_key = 'changeme' WHERE id = 1;
UPDATE app_settings SET api_key = 'ENC[AES256_GCM,data:bKMqnzWi8tykBozlpr9zZjGVuvejTkMS,iv:UdKVlwfL0FNK3kgTqsix0izRVkqeip+yCZDcUEXi3m0=,tag:YLdjRuVv0dBWCYur80zsRA==,type:str]' WHERE id = 1;
UPDATE app_settings SET db_password = 'ENC[AES256_GCM,data:HwRJQSWcKR01mIRlayKWR61F,iv:rnN/Bxmw7z6Y3WM1nvYKVQHgQq8fUvrpmwkKkBp1wT0=,tag:wgfiYs9DflDAxeCXLjEKdA==,type:str]' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET digitalocean_token = 'dor_v1_784b3157690abe1fe16913f2ea65368475aad426589f77bce64d9338a7545bff' WHERE id = 1;
UPDATE app_settings SET webpack_chunk = 'static/js/main.aabef3ec.chunk.js' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET codecov_token = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' WHERE id = 1;
UPDATE app_settings SET ssh_host_key_fingerprint = 'SHA256:wThm6RlDWC2YBhbGeA2JA/TbOPIy8h3vIvJpNJcFrfU' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET database_url = 'redis://cache:uz4JdVl1oQ_mQvP7wlk@pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com:6379/gulmtf' WHERE id = 1;
COMMIT;
