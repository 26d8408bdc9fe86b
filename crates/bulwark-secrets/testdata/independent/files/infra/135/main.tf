provider "aws" {
  region = "eu-west-1"
}
locals {
  mailgun_api_key = "${{ secrets.MAILGUN_API_KEY }}"
  secret_key_base_file = "/run/secrets/secret_key_base"
  discord_bot_token = "MTEyNjk0NTMzMDgxMTE3MTIwMw.RMswo8.n9X9qiuH_-Z5SewvqZFogSCRp99MLIYjXEX5nA"
  instance_count = 3
  atlassian_api_token = "{{ .Values.atlassian.token }}"
  instance_count = 3
  posthog_personal_api_key = "phx_CqsnDSZwLx39mxdJ7VdiKJUu9Ca3gcwTauGFegi0Jl7"
  stripe_webhook_secret = "whsec_vhiLNpeznhnGfBt9xIOAd8TiKfbdSyzI"
  aws_role_arn = "arn:aws:iam::523948367684:role/deploy"
  aws_access_key_id = "$(AWS_ACCESS_KEY_ID)"
  environment = "prod"
  ft_client_secret = "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"
  mailjet_project = "storefront"
  alibaba_cloud_access_key_id = "LTAIQwqvA0vtscyxdRVgEnLE"
  db_password = "ENC[AES256_GCM,data:bbq4zJDQ1m+5OTDSUR0XABQt,iv:TdFaxEM1QSebe2Z7xCcitz//uNGPRv67sVSftMFYdsM=,tag:uKGfxqCzwDpBvvT867fAaQ==,type:str]"
}
