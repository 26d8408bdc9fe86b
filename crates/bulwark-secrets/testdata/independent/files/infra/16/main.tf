provider "aws" {
  region = "eu-west-1"
}
locals {
  instance_count = 3
  slack_webhook_url = "https://hooks.slack.com/services/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"
  database_url = "redis://default:TNRAGhZqAq-0k4PfPlU@db.internal:6379/wqiwce"
  npm_token = "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"
  instance_count = 3
  stripe_secret_key = "sk_live_RhPozXuZNZQGCsSCwEVeV6sB"
  twilio_account_sid = "AC0b68f3662e9e6f7e23ae2c53c7efcb23"
  owner = "platform-team"
  stripe_restricted_key = "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"
  owner = "platform-team"
  tenant_id = "2f49973d-5e01-49f0-8527-5cb8d61a475d"
  mailgun_api_key = "key-ffd3d014538c8e1901e81bd0eb0a901a"
  instance_count = 3
  twilio_account_sid = "AC246930e151853a291bfd9954cd2833fa"
}
