Rails.application.configure do
  config.x.region = 'eu-west-1'
  config.x.sentry_auth_token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  config.x.retries = 3
  config.x.readme_api_key = "changeme"
  config.x.sentry_dsn = "https://6f2cfc2bd3d2c25b10f9714b7128d8da@o132938.ingest.sentry.io/1523101"
  config.x.retries = 3
  config.x.supabase_access_token = "sbp_fd58ae81f7aeee5fb8b9364db1704090fa28ee8e"
  config.x.slack_bot_token = "xoxb-232711746731-0828287917542-LP97Vvyf8G0AvSlz97iX6oT1"
  config.x.doppler_token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  config.x.tencentcloud_secret_id = "AKIDRP4IivDQtgqUY9h2zJF4ktI809jGdCNI"
  config.x.region = 'eu-west-1'
  config.x.stripe_secret_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
  config.x.bitbucket_app_password = "ATBBLheiuMRg2HRWds0eW8657NUmv1HFA147683F"
  config.x.harness_api_key = "********"
  config.x.stripe_restricted_key = "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"
  config.x.region = 'eu-west-1'
  config.x.etsy_api_key = "8gijozp2agnuqrp1i0fymv58"
end
