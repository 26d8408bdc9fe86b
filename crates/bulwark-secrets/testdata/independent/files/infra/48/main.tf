provider "aws" {
  region = "eu-west-1"
}
locals {
  gitlab_deploy_token = "vault:secret/data/gitlab#token"
  contentful_management_token = "CFPAT-uUkZVuIQ6aWcvwlyhC3qvQ8FBlHo25RSd4FzYf1dNnx"
  cloudflare_api_token = "wQcCowYoGs9QaxIWk4eipp-bS8kqzCasq_k3uNQR"
  environment = "prod"
  sendgrid_api_key = "${{ secrets.SENDGRID_API_KEY }}"
  alibaba_cloud_access_key_secret = "${ALIBABA_CLOUD_ACCESS_KEY_SECRET}"
  etag = "W/39f8cd060cc5783dd5fdfa87d7ad075c"
  environment = "prod"
  github_oauth_token = "<your-github-token>"
  span_id = "66a1c2e89e3af799"
  splunk_hec_token = "REPLACE_WITH_SPLUNK_HEC_TOKEN"
  linode_token = "e7d5c0bc910a6b82347bc9ec26deb3b0cdede6042b6a72fde62a9d9dad42e406"
  auth_token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4OTUzMjQ3IiwibmFtZSI6ImNpLXJ1bm5lciIsImlhdCI6MTcwMDAzMzIyNCwiZXhwIjoxODA1MzY5MTI3LCJzY29wZSI6ImRlcGxveSJ9.Xlu98lSus3iG74Exhkp8tkq2Y97dT8XxlFs2HpzKo3o"
  etsy_region = "us-east-1"
}
