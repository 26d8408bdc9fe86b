provider "aws" {
  region = "eu-west-1"
}
locals {
  owner = "platform-team"
  sendgrid_api_key = "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"
  environment = "prod"
  stripe_restricted_key = "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"
  owner = "platform-team"
  npm_token = "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"
  environment = "prod"
  stripe_webhook_secret = "whsec_HmSZXNbBS5Q9tMF2MMpfX067khhLZCQE"
  owner = "platform-team"
  aws_access_key_id = "AKIATIOY4V6XEB54CHU5"
  build_id = "e07417a70957790b41f2bd0735ccb9a5"
  mailgun_api_key = "key-34b131f0a063cfd83367d070f3ff5bee"
  environment = "prod"
  openai_api_key = "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"
  database_url = "redis://default:TNRAGhZqAq-0k4PfPlU@db.internal:6379/wqiwce"
}
