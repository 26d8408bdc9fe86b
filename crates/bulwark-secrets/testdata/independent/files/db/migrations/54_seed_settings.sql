-- seed application settings
BEGIN;
UPDATE app_settings SET pypi_token = 'pypi-AgEIcHlwaS5vcmcCJDFhYTI1YjQwLTViMWMtNDJjZS05NTdkLTAxODk4MTVjZmZiZgACInsidmVyc2lvbiI6MSwicGVybWlzc2lvbnMiOiJ1c2VyIn0AAAYgtUq59zUDok867R5w-Z7lAr5KfQ9_GtZM9kAl3_mL7gI' WHERE id = 1;
UPDATE app_settings SET token_url = 'https://auth.example.com/oauth2/token' WHERE id = 1;
UPDATE app_settings SET harness_api_key = 'sat.0kx0PgRRaMP5ZkISZYqNC0.dd7539c4b4103fcde5a73e68.igDM3zLDJVJY33VUCeAM' WHERE id = 1;
UPDATE app_settings SET postman_api_key = '********' WHERE id = 1;
UPDATE app_settings SET fly_api_token = 'fo1_hYD4sLe5dNwjS9WvgP1FnJXS_9PVHXxo0VUd57HMNVs' WHERE id = 1;
UPDATE app_settings SET sendbird_timeout_seconds = '10' WHERE id = 1;
UPDATE app_settings SET launchdarkly_access_token = 'sdk-aed8ddfc-9f54-46c3-a955-f3fdf0eb0895' WHERE id = 1;
UPDATE app_settings SET google_api_key = 'AIzaqQS2873CcHlU3QpRVpxYCWgBJNpyyvmRd5Q' WHERE id = 1;
UPDATE app_settings SET slack_config_token = 'REPLACE_WITH_SLACK_CONFIG_TOKEN' WHERE id = 1;
UPDATE app_settings SET slack_bot_token = 'your_slack_key_here' WHERE id = 1;
UPDATE app_settings SET linear_api_key = 'lin_api_olJ84FupK6hiPXPoXcwOtHNpKbgMtIISvFQy9uez' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET cache_buster = 'ef5746a6d344dd3fc3cb' WHERE id = 1;
COMMIT;
