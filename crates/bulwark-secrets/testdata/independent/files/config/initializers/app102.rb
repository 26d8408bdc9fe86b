Rails.application.configure do
  config.x.region = 'eu-west-1'
  config.x.favicon = "favicon.ico-60dd7bf801a77071e7d99d02eda0a1e9.png"
  config.x.looker_enabled = "false"
  config.x.dockerhub_project = "analytics"
  config.x.retries = 3
  config.x.adobe_client_secret = "<your-adobe-token>"
  config.x.api_key_env = "STRIPE_SECRET_KEY"
  config.x.retries = 3
  config.x.aws_role_arn = "arn:aws:iam::985740573115:role/deploy"
  config.x.confluent_cloud_api_key = "********"
  config.x.google_client_id = "258864320548-43fp57ikfasugpc8zvbvfyb3l21f4xko.apps.googleusercontent.com"
  config.x.token_url = "https://auth.example.com/oauth2/token"
  config.x.retries = 3
  config.x.azure_storage_connection_string = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
  config.x.retries = 3
  config.x.confluent_cloud_api_secret = "FAlF6yIEUZAZ1R5PWZD3qyW0FAmkmTstzluPyAkfNAO8XFQ3sR4Kos9CW1tQSc8D"
  config.x.retries = 3
  config.x.token_url = "https://auth.example.com/oauth2/token"
end
