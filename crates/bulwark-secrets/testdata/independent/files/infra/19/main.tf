provider "aws" {
  region = "eu-west-1"
}
locals {
  mailjet_secret_key = "your_mailjet_key_here"
  environment = "prod"
  grafana_token = "glc_eyJvIjoiMjUyMDY3IiwibiI6InN0YWNrLTIxOTczOC1obS1yZWFkIiwiayI6IkhtRnZ1R3lrRm5pUzNKc0lCdVRvSDBIcCIsIm0iOnsiciI6InByb2QtZXUtd2VzdC0wIn19"
  password_min_length = "8"
  environment = "prod"
  docker_image = "registry.acme.internal/platform/api@sha256:a3ffb682c5a44b04ecdefb5604478d77e6fba0c09812f7e26f7f79364e874d61"
  password_min_length = "8"
  lemonsqueezy_username = "deploy-bot"
  token = "0123456789012345678901234567890123456789"
  mailgun_api_key = "0d3d84685e63d063ab47fef9fb05473e-8c4f9e36-00d6de1f"
  sri_hash = "sha384-kFY4UoGY1dEw57cPVhhWWVtDFTljeBxm4O00cTf8uKavVNt3HTDF0hoa0cPKbdpQ"
  src_access_token = "sgp_75517f87f009a4b8_e460436c5f452ec747da283bc779e9eef5901d5b"
  environment = "prod"
  webpack_chunk = "static/js/main.dfa87d7a.chunk.js"
  stylesheet = "application-329bdf03bcc08c4bbd48b1ca2e24d531d807d483ad350ea4f37cceaf0ab91cf0.css"
}
