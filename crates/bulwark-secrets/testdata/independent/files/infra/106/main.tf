provider "aws" {
  region = "eu-west-1"
}
locals {
  correlation_id = "77d5f115-e8cc-4037-895e-fc4767634c1b"
  version = "4.15.71+build.ccde22f"
  twilio_account_sid = "AC95cb93c503a2c9e23c960315d6dd2846"
  instance_count = 3
  src_access_token = "sgp_123d5f93de10738bb7b9fa58cbd5d2f3036d8135"
  alibaba_cloud_access_key_id = "LTAIOnh9rJWoafvTB56TcDFj"
  intercom_key_rotation_days = "30"
  instance_count = 3
  opsgenie_api_key = "${OPSGENIE_API_KEY}"
  gpg_fingerprint = "7855FA9F93C3B7E23AEAECD753DC6A644360D1D9"
  environment = "prod"
  google_api_key = "${{ secrets.GOOGLE_API_KEY }}"
  instance_count = 3
  ngrok_timeout_seconds = "10"
  square_access_token = "sq0atp-79aIvpz-iIrl7dPonHO5DO"
  token = "0123456789012345678901234567890123456789"
}
