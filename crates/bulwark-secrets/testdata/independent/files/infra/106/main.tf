provider "aws" {
  region = "eu-west-1"
}
locals {
  image_digest = "sha256:0d177dec29dc29eb7fa4b71f8bb16237d3818887f353e1715c0152bb1974fee7"
  stripe_restricted_key = "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"
  cargo_registry_token = "$(CARGO_REGISTRY_TOKEN)"
  instance_count = 3
  github_token = "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"
  doppler_token = "dp.pt.DOdGK4tTB8KYv1txxepN2AEYKYFHDbmxZrjTn0jFQFD"
  instance_count = 3
  plaid_region = "us-east-1"
  slack_bot_token = "xoxb-811012354653-8360579845009-fylAFsZ5nfIIorlj8ngQNKzY"
  access_token = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
  maxmind_license_key = "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"
  instance_count = 3
  ci_secret_name = "prod/ci/api-key"
  admin_password_hash = "$2y$10$JDB22FN2VgQhtJzssxC/bMHubahFubP1nO.ZlwZ6Sk0pA1RKSYXvY"
  confluent_cloud_api_key = "I6EZPQKTSNIQ7HWK"
}
