-- seed application settings
BEGIN;
UPDATE app_settings SET google_client_id = '423284752472-81esonp68sjsxom3kqln2ucsxax7nxby.apps.googleusercontent.com' WHERE id = 1;
UPDATE app_settings SET azure_subscription_id = '8ae25cbf-1b75-4b1e-97b4-a35fe657a8ec' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET sumo_access_key = 'v3NrkGQeTBZqLan9xU8FyKDSBp2gAjITpAjRfAhL0WU5XOWJBYH7fQrKapr1hS3h' WHERE id = 1;
UPDATE app_settings SET scw_secret_key = '71ff828c-4e0f-46b7-8a06-a94b9146cf8d' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET scw_secret_key = '0ab49703-3844-4dc5-b79f-240986b73c47' WHERE id = 1;
UPDATE app_settings SET logo_png = 'data:image/png;base64,rT7ZpQUZXEo4XEM+XKAqDept4emJTeXkBYJqls004JkDkqd8sdl5oULfjHtSCRVplJcObVCYGWN9B/SKcJHOGBFaXusu+OUyW1NTttInsP9oL4NkEfG/I6Ku' WHERE id = 1;
UPDATE app_settings SET algolia_app_id = 'UFMXMS4H8Q' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET dd_region = 'us-east-1' WHERE id = 1;
UPDATE app_settings SET mailersend_api_token = '${MAILERSEND_API_TOKEN}' WHERE id = 1;
UPDATE app_settings SET github_username = 'platform-team' WHERE id = 1;
UPDATE app_settings SET secret = 'abcdefghijklmnopqrstuvwxyz012345' WHERE id = 1;
UPDATE app_settings SET groq_api_key = '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' WHERE id = 1;
COMMIT;
