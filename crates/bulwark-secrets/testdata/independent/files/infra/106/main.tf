provider "aws" {
  region = "eu-west-1"
}
locals {
  vultr_project = "billing"
  environment = "prod"
  api_key = "ENC[AES256_GCM,data:G7hri0oLeQShSNzuQnDWJ6i+d2xMATBA,iv:taErx/J5arUJQ7sbwewK0ZpiTZnLw1SXdDfFse3Dmdg=,tag:taEJBG2FWhrbV8KD2rEpZQ==,type:str]"
  request_id = "7174becd-d963-43e6-9a56-b2825d619537"
  easypost_account_id = "005710917074"
  gitlab_api_token = "glagent-1RfX1hBnXq018orR-e0OfpTTugc8FvgbU862vSfKv1tHIbrKu-"
  hf_token_ttl = "3600"
  instance_count = 3
  integrity = "sha512-FY7Ke1JE+gby2aCXYae9gxisFsqjoTukK0A5Edlk0VepRzc6U1DlTF4YKsT8mq2pZimHwD4fK7bTtu18deRBOg=="
  honeycomb_api_key = "arn:aws:secretsmanager:eu-west-1:956881940045:secret:honeycomb-Fr8m1g"
  instance_count = 3
  token = "0123456789012345678901234567890123456789"
  version = "7.12.85+build.14931c0"
  frameio_token = ""
  vercel_token = "Ueyi1sjm7rEpvpvcTLaordXD"
}
