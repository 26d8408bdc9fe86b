-- seed application settings
BEGIN;
UPDATE app_settings SET favicon = 'favicon.ico-b7628d0028802c52f73feca1d901e7ba.png' WHERE id = 1;
UPDATE app_settings SET google_client_id = '164924267339-7zk4m1icz6fihy340o1utmmi84pv8k1e.apps.googleusercontent.com' WHERE id = 1;
UPDATE app_settings SET github_app_token = 'arn:aws:secretsmanager:eu-west-1:938346434695:secret:github-aEchaN' WHERE id = 1;
UPDATE app_settings SET fcm_server_key = 'AAAAF_LiRq2:APA91bfi6u9XmYyEe4Bzs_czy4_UKmZRHPi_SX_pmN-KrORTU8AATKZmBo3xB_-19xpDH1Oya4K7Q6ZYN6EhbO7mej7g-KQUR8H48J2N1f2IgQl6QrlBQj2mOdAhg9-9f2jvhGFWO0m8' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET twitter_bearer_token = '<TWITTER_BEARER_TOKEN>' WHERE id = 1;
UPDATE app_settings SET auth_token_path = '/var/run/secrets/kubernetes.io/serviceaccount/token' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET typeform_account_id = '11405195' WHERE id = 1;
UPDATE app_settings SET mailchimp_api_key = '<your-mailchimp-token>' WHERE id = 1;
UPDATE app_settings SET pinecone_api_key = 'pcsk_cw2F9_a4sfOiGASLVxsKwOntcvmOC1dpGSZDmoewzVuhOe3a2rwGTFsjsdTrJdealZFRN' WHERE id = 1;
UPDATE app_settings SET langsmith_enabled = 'false' WHERE id = 1;
UPDATE app_settings SET grafana_token = 'glc_eyJvIjoiMTE1MDg1IiwibiI6InN0YWNrLTIwNTg2Ni1obS1yZWFkIiwiayI6IjVjNHdOcjZBeDRhaXFtVlBIWGVZR0N2RCIsIm0iOnsiciI6InByb2QtZXUtd2VzdC0wIn19' WHERE id = 1;
UPDATE app_settings SET region = 'eu-west-1' WHERE id = 1;
UPDATE app_settings SET replicate_api_token = 'r8_Bxulr3PYYGTJqSDVjhfhiQcNIpqSpUjfuyG7h' WHERE id = 1;
COMMIT;
