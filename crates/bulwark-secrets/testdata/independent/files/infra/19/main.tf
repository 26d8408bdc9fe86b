provider "aws" {
  region = "eu-west-1"
}
locals {
  owner = "platform-team"
  slack_user_token = "xoxp-933209462766-141889033178-8362669359632-89a844e8cd7747cbaddbf96fb0a3edd6"
  google_api_key = "AIzaVj2hiegYuHFMyHFfqYe37DM_kmnFWg33W91"
  instance_count = 3
  stripe_secret_key = "sk_live_RhPozXuZNZQGCsSCwEVeV6sB"
  environment = "prod"
  github_token = "ghs_xyUzA2UtEUZZynrEzvyvOc0wVLuD620qxzd7"
  twilio_api_key = "SKd9d7c6c6b54bcb7d7f151b3b7b954d8c"
  gitlab_deploy_token = "gldt-VJDd_uLEgcz6iizSf-Vk"
  gitlab_token = "glpat-GGBAGkjHPbDmYujKg9Z6"
  alibaba_cloud_access_key_secret = "RIBfrDfsZmaHHdb2lE3mq1hKV5MXeb"
  database_url = "postgresql://app_user:iHNogB0q1e#Vz4VGYnj@10.0.3.17:5432/nchuky"
}
