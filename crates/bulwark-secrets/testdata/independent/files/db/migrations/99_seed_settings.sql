-- seed application settings
BEGIN;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET octopus_token_ttl = '24h' WHERE id = 1;
UPDATE app_settings SET stripe_token_header = 'X-Auth-Token' WHERE id = 1;
UPDATE app_settings SET admin_password_hash = '$2y$10$se3kJmxginj6CXt8AJlFX9rXP7ls3O2o7CGQ0l50.B89PnPahmYHA' WHERE id = 1;
UPDATE app_settings SET sumo_access_id = 'suGClSua3cEwQR' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET azure_openai_api_key = '2a0360f2aa777c652cdc4c1f8174abdb' WHERE id = 1;
UPDATE app_settings SET mapbox_region = 'ap-south-1' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET github_token = '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' WHERE id = 1;
UPDATE app_settings SET google_client_id = '277204530373-poi6xviye93rryaf5i2uxxhkesyl6kk9.apps.googleusercontent.com' WHERE id = 1;
UPDATE app_settings SET csrf_token_field = 'csrf-token' WHERE id = 1;
UPDATE app_settings SET gemini_api_key = '{{ .Values.gemini.token }}' WHERE id = 1;
UPDATE app_settings SET go_module_sum = 'h1:3mvA0gH8TsV3gLFu4WOm97gtRTiEbvAvAL4ieiOzx5U=' WHERE id = 1;
UPDATE app_settings SET password_min_length = '12' WHERE id = 1;
COMMIT;
