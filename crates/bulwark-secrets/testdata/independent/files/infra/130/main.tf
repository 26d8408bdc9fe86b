provider "aws" {
  region = "eu-west-1"
}
locals {
  ft_token_header = "Authorization"
  environment = "prod"
  ft_client_secret = "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"
  cohere_username = "ci"
  environment = "prod"
  pusher_region = "ap-south-1"
  braintree_access_token = "access_token$production$7hrrcyo6k3w5xtfv$dddbeebf4804b4ffada712d9915fca61"
  digitalocean_url = "https://api.digitalocean.com/v2"
  doppler_token = "dp.pt.3huMcDKqAUf487zHYYvik1EJVmBnqub9OFRgczURYbU"
  environment = "prod"
  google_client_secret = "${GOOGLE_CLIENT_SECRET}"
  environment = "prod"
  slack_user_token = "$(SLACK_USER_TOKEN)"
  environment = "prod"
  ft_client_secret = "{{ .Values.ft.token }}"
  instance_count = 3
  ibm_cloud_api_key = "<your-ibm-token>"
  gpg_fingerprint = "AC91FA8A1826F91F2592178A5840F03A8DF34145"
}
