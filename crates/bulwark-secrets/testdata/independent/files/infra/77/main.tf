provider "aws" {
  region = "eu-west-1"
}
locals {
  azure_subscription_id = "3755bc95-9656-4ece-8c8d-89df620b61f1"
  instance_count = 3
  openai_api_key = "<OPENAI_API_KEY>"
  environment = "prod"
  twitter_enabled = "false"
  sumo_access_key = "your_sumo_key_here"
  netlify_auth_token = "{{ netlify_auth_token }}"
  cargo_registry_token = "cioWWsuFr8m1gG3Gz9GaWAW8pokKuK4IT8p"
  instance_count = 3
  vercel_token = "<VERCEL_TOKEN>"
  twilio_api_key = "vault:secret/data/twilio#token"
  hubspot_token_ttl = "24h"
  database_url = "mongodb+srv://reporting:PfVwxWrnI1_3xXN64jz@pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com/awfozg"
  discord_region = "us-east-1"
  google_token_header = "Authorization"
}
