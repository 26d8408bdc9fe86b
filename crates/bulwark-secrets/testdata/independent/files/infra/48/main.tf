provider "aws" {
  region = "eu-west-1"
}
locals {
  openai_api_key = "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"
  ft_client_secret = "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"
  version = "5.12.48+build.b7fc084"
  teams_webhook_url = "https://liidkzqa.webhook.office.com/webhookb2/a69d75d2-6575-485b-8139-020334419bb3@48687a44-866c-416e-8ca1-b5ac2c1d0af3/IncomingWebhook/f6a2b35557107eaaa5282672656167b1/c86d28f1-a7a2-41c5-80f5-741cca0cf842"
  instance_count = 3
  access_token = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
  src_access_token = "sgp_local_c1dc014af49111c9d8c12546064c099a8591cc0f"
  logo_png = "data:image/png;base64,iSVIwyJ7Yb/v95tUslSiDnjtHPJBZRHPJ/bGf981p/Wy0HCjnZPRqk4TUflQYy6GhS11Yyk+AUlpUMo37NbOng1n8WmBMqb6Qjj3mPZi3LGHzUqcoWWAsRt2"
  adafruit_io_key = "REPLACE_WITH_ADAFRUIT_IO_KEY"
  instance_count = 3
  artifact_sha256 = "41e1177ce9e54e3b4a380aa0191a3a5f6284413bf4a68773ada350d1a47f0b36"
  environment = "prod"
  favicon = "favicon.ico-bb047d746e1ed844601481e6abfdd45b.png"
  squarespace_api_key = "e3d30bb8-4353-4bc2-a56d-1d9e65976e08"
  environment = "prod"
  gocardless_access_token = "live_SP7YH160khLXKG2uvHPWSCJuDXLUX0wIKhh-7kHV"
}
