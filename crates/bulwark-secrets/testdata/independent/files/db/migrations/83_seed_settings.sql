-- seed application settings
BEGIN;
UPDATE app_settings SET google_client_secret = '$(GOOGLE_CLIENT_SECRET)' WHERE id = 1;
UPDATE app_settings SET image_digest = 'sha256:1266fde2cc9f82bb89add4dda349844ba9848f5e7a66094abfa6c306a20eb87f' WHERE id = 1;
UPDATE app_settings SET scalingo_api_token = 'tk-us-_1vX8VvCUW4AWWVGpPql2unZDKal4TQm_9pYkdxiKdNlxEDc' WHERE id = 1;
UPDATE app_settings SET token = '0123456789012345678901234567890123456789' WHERE id = 1;
UPDATE app_settings SET secret = 'abcdefghijklmnopqrstuvwxyz012345' WHERE id = 1;
UPDATE app_settings SET db_password = 'ENC[AES256_GCM,data:aggmBq8vwW51tqyBepmrSKYy,iv:DqUyUB55B3nMy9pIL7kukyHTGpKZviiEf72oZiaFfFo=,tag:A3fV8RXozPA3iV78R2djTA==,type:str]' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET go_module_sum = 'h1:V7SjX+ZXqOwcMF0UQ5iThqHPzNLe7WPSHMMPe1S7Gic=' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET infracost_api_key = 'ico-yMKchQZi1S7SBR23NvvWAv886cL2e7L5' WHERE id = 1;
UPDATE app_settings SET algolia_app_id = 'UYL6RB5GOK' WHERE id = 1;
UPDATE app_settings SET token = '0123456789012345678901234567890123456789' WHERE id = 1;
UPDATE app_settings SET buildkite_token_header = 'X-Auth-Token' WHERE id = 1;
UPDATE app_settings SET password_field = 'password_confirmation' WHERE id = 1;
COMMIT;
