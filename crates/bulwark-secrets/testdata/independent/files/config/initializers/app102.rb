Rails.application.configure do
  config.x.retries = 3
  config.x.asset = "hero.ico-622759e0f26a09446a04431e174390c3.png"
  config.x.azure_subscription_id = "656b2296-47ad-45ae-b37f-0719b0ef3e98"
  config.x.retries = 3
  config.x.clickhouse_api_secret = "4b1dgF32Jlm2B7gPhngICBmGxHhJcWU3fGHwowFCMH"
  config.x.twitch_client_secret = "p3uuulf8qfnpenlmdmpwd1kq3hdqdk"
  config.x.bitbucket_app_password = "ATBBI6F80RHGOHYoJLm0XMu2M5jPFGejDA617827"
  config.x.openshift_token = "{{ openshift_token }}"
  config.x.region = 'eu-west-1'
  config.x.trace_id = "ff127905bfb9fc09a3b31b7c7d78f3ad"
  config.x.retries = 3
  config.x.digitalocean_token = "{{ digitalocean_token }}"
  config.x.op_secret_key = "REPLACE_WITH_OP_SECRET_KEY"
  config.x.retries = 3
  config.x.webpack_chunk = "static/js/main.7837b3f5.chunk.js"
  config.x.bitbucket_app_password = "{{ bitbucket_app_password }}"
  config.x.twitter_enabled = "false"
end
