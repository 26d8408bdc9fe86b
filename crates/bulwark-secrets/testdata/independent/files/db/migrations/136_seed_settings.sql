-- seed application settings
BEGIN;
UPDATE app_settings SET webpack_chunk = 'static/js/main.daea7b64.chunk.js' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET cloudflare_origin_ca_key = 'v1.0-0405b10447b605935ecb82d3-167bdbc2618e301a32d0c2b27c40ebbdd9919f2caf284b6e4b5e487396492117ef22c187013d0bc12e06b316b2ac7ac158114b770264a207b7576898f210a18ad93a9c2027bb615260' WHERE id = 1;
UPDATE app_settings SET sentry_dsn = 'https://22e8e345b7cd94569236e81a7f3da8ef@o409288.ingest.sentry.io/3850759' WHERE id = 1;
UPDATE app_settings SET logo_png = 'data:image/png;base64,R7YrITjV/M0Nzl5tH2VOk+W38L3+jtGRX//irV7nylOkgoLLPRAO9O0zlwTcP7Le1gLMnrc1rWb/IMFjcsvanJ8dnwOjqZvQ60faf7Yq7dQlmA3xf6uvC3pZ' WHERE id = 1;
UPDATE app_settings SET cohere_api_key = '' WHERE id = 1;
UPDATE app_settings SET twilio_api_key = 'SK49b285727609d3f4f8d382c09edb3061' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET logo_png = 'data:image/png;base64,CmGUqepw7olZDj8g73zLHFTKFsr4LEkB9xA68n7RV/cInoIEaZPkEYYA/f8FPzUdyiGpv6Hjb1KSUvdDKlwxOLOoUCB8e+B0NprtKRAFIFJEQX6mQpcPi6ln' WHERE id = 1;
UPDATE app_settings SET launchdarkly_access_token = 'sdk-97655786-c663-4892-891f-abcf22d4b0ef' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET readme_api_key = 'your_readme_key_here' WHERE id = 1;
UPDATE app_settings SET buildkite_api_token = '<your-buildkite-token>' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET image_digest = 'sha256:c6234a8e5f8f7a3b73d04be507c523ed1386140aab958bcb010477dd7b9c705f' WHERE id = 1;
UPDATE app_settings SET mapbox_public_token = 'pk.eyJ1IjogImFjbWUiLCAiYSI6ICIzdjZreGNuaGFtZnRhbjc5YWw1d3IzaDNwIn0.DXia8qeX1yja1u-qgh9DW6' WHERE id = 1;
COMMIT;
