-- seed application settings
BEGIN;
UPDATE app_settings SET confluent_cloud_api_key = 'W43EOCGFFYUAETWO' WHERE id = 1;
UPDATE app_settings SET algolia_app_id = '60NA54Q94U' WHERE id = 1;
UPDATE app_settings SET fly_api_token = 'fo1_PvlPYz9tt69gnSRTWOxJkZ4FoutFaDDD7cKX_NZvkhL' WHERE id = 1;
UPDATE app_settings SET correlation_id = '3fa1691f-7301-40e2-90b3-aa64db2369df' WHERE id = 1;
UPDATE app_settings SET supabase_access_token = 'sbp_fd58ae81f7aeee5fb8b9364db1704090fa28ee8e' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET tenant_id = 'cfcb7e12-994a-4209-9929-d812780ab1b7' WHERE id = 1;
UPDATE app_settings SET lob_api_key = 'test_6060195950edff984e2d5598cd8ce4f627c' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET lob_api_key = 'live_5913418f747c670b5767258afc0c960a406' WHERE id = 1;
UPDATE app_settings SET trace_id = '26f2cfc2bd3d2c25b10f9714b7128d8d' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET gitlab_deploy_token = 'gldt--V7dbxa6Xx_ftr85fcHY' WHERE id = 1;
UPDATE app_settings SET resend_api_key = 're_zPrO9qxS_ND2ivc3oWxVLUn4Nhc620Zes' WHERE id = 1;
UPDATE app_settings SET git_sha = '013040b5a12bc7f2796ab50943bb1bc1ec0ad19a' WHERE id = 1;
COMMIT;
