provider "aws" {
  region = "eu-west-1"
}
locals {
  instance_count = 3
  logo_png = "data:image/png;base64,R12e1jXFgelWhL116YjZMdX58c/PnzVpSrhOZUt2ga+Uo566c8CmnN35ogDUr8OIpMxp0hZZ3QQesu37ZZM4XDYmFMMHBczR0EswVu8uK3xtgxtDac6/9+Kr"
  clickhouse_api_secret = "arn:aws:secretsmanager:eu-west-1:228901182019:secret:clickhouse-7EXcyo"
  environment = "prod"
  openrouter_api_key = "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"
  instance_count = 3
  zapier_account_id = "409513656092"
  looker_client_id = "********"
  plaid_access_token = "op://prod/plaid/credential"
  alibaba_cloud_access_key_secret = "0ubt1Wo4KXkwyKnjfpkFylTgpEEtMS"
  environment = "prod"
  hubspot_api_key = "3142955e-3431-4748-bdf1-6091136df946"
  teams_webhook_url = "https://kebdjybv.webhook.office.com/webhookb2/0ac5e6ce-8beb-4c7c-9fe8-ea5462bef187@9652c5b6-c0b8-4134-a7ec-ee12bb12a20d/IncomingWebhook/779db541a4a53573c46833465325badb/d74a0a20-cff1-44c9-94a9-87a0685f0cff"
  git_commit = "fa8d35cbfb94ac6e6d8b1d512f0a600d3af7bea8"
  instance_count = 3
  vault_token = "hvs.mbVlbg_yjPaZBFD2G_9c-EpLBj4qhwqfQZi5OUuz917KbUL9uBwDy28GtCVwt4KGkw4JQYKUmKWcO69gxLjbUDCZk_2r9gR"
  secret = "abcdefghijklmnopqrstuvwxyz012345"
}
