-- seed application settings
BEGIN;
UPDATE app_settings SET stripe_restricted_key = 'REPLACE_WITH_STRIPE_RESTRICTED_KEY' WHERE id = 1;
UPDATE app_settings SET sendinblue_api_key = 'vault:secret/data/sendinblue#token' WHERE id = 1;
UPDATE app_settings SET password_hash = '$argon2id$v=19$m=65536,t=3,p=4$fygfVoOli23rnZner6dmMA$xUqLVMatJi55KFHaQ_bdzKJZv05rhRGMbX5G-uPS-gw' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET grafana_key_rotation_days = '30' WHERE id = 1;
UPDATE app_settings SET twilio_account_sid = 'ACe5118d6091c19486ec6b712cebb9f5d9' WHERE id = 1;
UPDATE app_settings SET correlation_id = 'ef8e981a-f5a5-4615-bc66-f9237c6b3cf2' WHERE id = 1;
UPDATE app_settings SET bundle_enterprise__contribsys__com = '<BUNDLE_ENTERPRISE__CONTRIBSYS__COM>' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET discord_bot_token = '<your-discord-token>' WHERE id = 1;
UPDATE app_settings SET octopus_api_key = 'API-XQOJ6X05F4DIX36QG2FDLSKZ2J' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET token_url = 'https://auth.example.com/oauth2/token' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET resend_username = 'deploy-bot' WHERE id = 1;
UPDATE app_settings SET meraki_dashboard_api_key = 'b3c8f8deebe88228916baa6093ca305d0f164b1a' WHERE id = 1;
COMMIT;
