provider "aws" {
  region = "eu-west-1"
}
locals {
  app_secret = "Gjvv2irGtUkxv7eNVpXLi61/n2x+jPgx8qc3ogzs"
  access_token = "LH6p4sLxv49fWHpu9FmuxJrQWYUuv2o4yU1lewV-"
  instance_count = 3
  gh_pat = "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"
  instance_count = 3
  twilio_account_sid = "ACb4f10771dc572950f4ab548289854897"
  aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  runner_token = "glrt-hT74bXUrEUxEOnl0uOKF"
  environment = "prod"
  gitlab_deploy_token = "gldt-Psk7-Vmwpjel339hTTfc"
  stripe_secret_key = "sk_live_8uhp8lBW9mQlDIS87puhewBB"
  github_token = "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"
}
