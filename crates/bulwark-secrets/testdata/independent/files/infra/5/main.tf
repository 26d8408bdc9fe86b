provider "aws" {
  region = "eu-west-1"
}
locals {
  owner = "platform-team"
  twilio_auth_token = "7755e7495d38dd71ea2f7be623a784c2"
  sri_hash = "sha384-Y8RPLCck2uxWuU1bbFnkhlwS2XiZsK+Pw3vdi93PFUeGn0kKbee6nHhcQ2QYzY1z"
  environment = "prod"
  dd_api_key = "ffc2fc06a572eefecc988a82e7bdb9bc"
  github_token = "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"
  environment = "prod"
  shopify_access_token = "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"
  auth_token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzOTM4MTI0IiwibmFtZSI6InJlcG9ydGluZyIsImlhdCI6MTcwNzA4ODg1MywiZXhwIjoxODA4MzEyMjEzLCJzY29wZSI6InJlYWQgd3JpdGUifQ.QmvMGOwgBdDXfnJssHUm8B-U-OXVdLofg-McYWpBVLc"
  instance_count = 3
  tenant_id = "64eabffb-3402-4b53-8cb6-c101a9d02ea7"
  request_id = "7505877e-4141-4735-984a-c2f18e0a0ff4"
  runner_token = "glrt-hT74bXUrEUxEOnl0uOKF"
}
