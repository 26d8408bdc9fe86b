-- seed application settings
BEGIN;
UPDATE app_settings SET gitlab_deploy_token = '%GITLAB_DEPLOY_TOKEN%' WHERE id = 1;
UPDATE app_settings SET elevenlabs_api_key = '********' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET pypi_token = 'pypi-AgEIcHlwaS5vcmcCJDJlNzdlOTkzLWRmYmQtNGNiYi05NDM4LTU2YjU1MDVkN2E3OQACInsidmVyc2lvbiI6MSwicGVybWlzc2lvbnMiOiJ1c2VyIn0AAAYgQLgGXhqiW0BbHGLOVX0BiYFc_7-1Srn3NQOiTzrtHnA' WHERE id = 1;
UPDATE app_settings SET admin_password_hash = '$2y$10$wEY76JRfUM.G5fJXNMwBJ8RpUPDI3Hswoji/PVsQVS.ejZXu4tDP2' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET mailersend_api_token = '${MAILERSEND_API_TOKEN}' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET github_token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a' WHERE id = 1;
UPDATE app_settings SET plaid_access_token = 'access-development-43f2b51f-c44c-4850-b4a8-b191d1e3a4ae' WHERE id = 1;
UPDATE app_settings SET github_app_token = '${{ secrets.GITHUB_APP_TOKEN }}' WHERE id = 1;
UPDATE app_settings SET tenant_id = 'e0972e31-0a74-4c9a-82e8-17befbbb1805' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET mapbox_public_token = 'pk.eyJ1IjogImFjbWUiLCAiYSI6ICJ3cmV4NXV1d3Fwc2U0dW1xcG5kcWY0M2NqIn0.Qa8ayHVXw_77L5ZX0dTS20' WHERE id = 1;
UPDATE app_settings SET langsmith_enabled = 'false' WHERE id = 1;
UPDATE app_settings SET tfe_token = '4ZwXitO418K7rY.atlasv1.NQm4ziVpxbsCW_rFeAg3AZcUretP3U-hbsqcElGbKZcj4FErxXuiJs0uquxv_5M2sQ7' WHERE id = 1;
COMMIT;
