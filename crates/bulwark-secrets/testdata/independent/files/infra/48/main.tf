provider "aws" {
  region = "eu-west-1"
}
locals {
  algolia_admin_api_key = "a3f812b6cc360a83dc2ee71144caf3a5"
  instance_count = 3
  zendesk_api_token = "${ZENDESK_API_TOKEN}"
  instance_count = 3
  access_token = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
  slack_app_token = "{{ .Values.slack.token }}"
  lemonsqueezy_api_key = "vault:secret/data/lemonsqueezy#token"
  discord_webhook_url = ""
  git_sha = "72c58cdd76447fcc0d78c1d405b8157aa4b59e45"
  auth_token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token"
  instance_count = 3
  api_key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  trace_id = "93b2375f5692d4363f37c1f80b696891"
  mailgun_api_key = ""
  auth_token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token"
}
