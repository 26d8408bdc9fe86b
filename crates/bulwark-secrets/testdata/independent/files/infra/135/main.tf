provider "aws" {
  region = "eu-west-1"
}
locals {
  confluent_region = "eu-west-1"
  hf_region = "eu-west-1"
  artifact_sha256 = "c84cc2b04af3b0269bd4d7c7d9b6e50b0e4e71b7ef153805478b0a53eed47d3e"
  instance_count = 3
  new_relic_api_key = "<NEW_RELIC_API_KEY>"
  slack_timeout_seconds = "30"
  instance_count = 3
  secret = "abcdefghijklmnopqrstuvwxyz012345"
  akamai_client_token = "akab-fw0aret6trh2q72b-p3wo9d8qbguit7v1"
  dt_api_token = "dt0c01.X7KMO54WX8PWV5CFFKSBG7G3.7W9PU43SB8O2PW9FWAROUGGMVCM04BE9ZD27N1Z3XMWGM891G1MDRDPGK5LBM4BU"
  instance_count = 3
  telegram_bot_token = "0958717097:AAQKcrelfYXhXmIxhej85IDWTZkvBepjuNB"
  vultr_api_key = "NQ1HDH0SII5WSVWMXBL4W7VBKGG40FMSF3VO"
  alibaba_project = "billing"
  shopify_access_token = "changeme"
}
