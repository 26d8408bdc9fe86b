-- seed application settings
BEGIN;
UPDATE app_settings SET twilio_api_key = 'SK24d30e1ca1197028a90c2987044d96b7' WHERE id = 1;
UPDATE app_settings SET algolia_app_id = 'XXV1TI1PBP' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET lob_api_key = 'live_5776ef095c67b3924869d57ea4c0e6be680' WHERE id = 1;
UPDATE app_settings SET telnyx_api_key = '%TELNYX_API_KEY%' WHERE id = 1;
UPDATE app_settings SET secret = 'abcdefghijklmnopqrstuvwxyz012345' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET twilio_api_key = 'SKb66afa4827d2e8c7144bf09f7249b285' WHERE id = 1;
UPDATE app_settings SET logo_png = 'data:image/png;base64,Uci4MCOSx/9IWG9t+toriB+rpUopo5oemoCj9fMFwd+3eDbzGkrKFbO8omq919TeP4vRP4NINUsVeD1kf2yBV6zratB7Zfel6lmqBSEmdjn6895uROpIa06Y' WHERE id = 1;
UPDATE app_settings SET shopify_access_token = '{{ .Values.shopify.token }}' WHERE id = 1;
UPDATE app_settings SET launchdarkly_access_token = '{{ launchdarkly_access_token }}' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET google_url = 'https://api.google.com/v2' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET admin_password_hash = '$2y$10$vbb5DcIfVzZR0tLNgDkrTHuzsyQID1re5sb7wwlcSZBZuWvz0iUSi' WHERE id = 1;
UPDATE app_settings SET sendbird_api_token = '{{ .Values.sendbird.token }}' WHERE id = 1;
COMMIT;
