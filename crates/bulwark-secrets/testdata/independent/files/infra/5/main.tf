provider "aws" {
  region = "eu-west-1"
}
locals {
  stripe_publishable_key = "pk_live_EHjMQt2ZBtcZzkG42o1jqtQQ"
  instance_count = 3
  refresh_token = "A5zUsZQ1oqAwCIkIW35ITUkNkTuarqUqGdMbUVyP"
  owner = "platform-team"
  npm_token = "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"
  azure_storage_connection_string = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
  aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"
  owner = "platform-team"
  slack_bot_token = "xoxb-673012199759-1359354986236-8BWpVdSVh5tKCbPWYEaKkyTw"
  instance_count = 3
  admin_password = "********"
  instance_count = 3
  db_password = "${{ secrets.DB_PASSWORD }}"
  owner = "platform-team"
  sendgrid_api_key = "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"
}
