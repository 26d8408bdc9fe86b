provider "aws" {
  region = "eu-west-1"
}
locals {
  environment = "prod"
  harness_api_key = "<HARNESS_API_KEY>"
  notion_token = "op://prod/notion/credential"
  secret_key_base_file = "/run/secrets/secret_key_base"
  slack_token_header = "X-Auth-Token"
  perplexity_api_key = "********"
  clojars_region = "ap-south-1"
  databricks_token = "dapia8c40d4d8852487cd2d735581ebfb876"
  logo_png = "data:image/png;base64,SaEFSP/c3r/b62guoJpW11VWp3Fbx/blD2yjAJdSoIsvwIClKhTQNrfyVVKCOwU4FaGuAR7L+GmcMa893leYe1dGfMgHyvgbz09r3pOhe83XKPkgoTWozkHM"
  token_url = "https://auth.example.com/oauth2/token"
  instance_count = 3
  asset = "logo_dark.ico-ab2824cb0f839c0d917b684be46382e6.png"
  twitch_timeout_seconds = "60"
  environment = "prod"
  algolia_admin_api_key = "84b61602c1047a0f9182e2fd29e3cccc"
}
