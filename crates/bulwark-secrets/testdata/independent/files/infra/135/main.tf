provider "aws" {
  region = "eu-west-1"
}
locals {
  instance_count = 3
  sentry_dsn = "https://6a76c69146529a45e57837b3f59a2e98@o517766.ingest.sentry.io/3533309"
  okta_api_token = "op://prod/okta/credential"
  bitbucket_app_password = "ATBB0fB8ktYv9vAMPr0Q1kVo5cTnMv0mC05F35E7"
  facebook_access_token = "EAAMX9XCQErBtNAcBrdR8J5QvfDviUfnWPveJZ7BgMub9JndKdE2FZMYEcBekdGG5SqWQpNyuGSAgJ2EMEnhQtTzVifArxZdUdmmnbsERCLLYepGRZVG3wFoPIFN2tJeEuODeq4X151YuV3TOc6kGQKfUBX5qospeM0o"
  environment = "prod"
  slack_token_ttl = "24h"
  gh_pat = "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"
  environment = "prod"
  hf_token = "{{ hf_token }}"
  azure_subscription_id = "6950e14f-e506-4390-b8cd-d197b968c25b"
  mistral_api_key = "SVLKdFznOYVb2D14sxJwxoGV2HNt9aZt"
  travis_api_token = "{{ .Values.travis.token }}"
  instance_count = 3
  perplexity_api_key = "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"
  token_url = "https://auth.example.com/oauth2/token"
}
