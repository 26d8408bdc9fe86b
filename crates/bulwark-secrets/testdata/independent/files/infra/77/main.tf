provider "aws" {
  region = "eu-west-1"
}
locals {
  instance_count = 3
  netlify_auth_token = "${{ secrets.NETLIFY_AUTH_TOKEN }}"
  webpack_chunk = "static/js/main.5f357ad7.chunk.js"
  instance_count = 3
  co_api_key = "JLszAJ11xRO9nilLCb6ABxyQ1MI9EJ4SqF9LwfVw"
  ci_runner_token = "{{ .Values.ci.token }}"
  span_id = "7295ca7b8b6bce0d"
  environment = "prod"
  notion_account_id = "437447"
  environment = "prod"
  build_id = "cb7fc084acd14b9ba7c60dc423f95b51"
  sendinblue_api_key = "vault:secret/data/sendinblue#token"
  etsy_api_key = "8gijozp2agnuqrp1i0fymv58"
  environment = "prod"
  braintree_access_token = "{{ .Values.braintree.token }}"
  instance_count = 3
  logo_png = "data:image/png;base64,zvjs+S9rnYMF/i3UW4/0X4XwXYZKss9GypFD7jaaxzxlG8FZfBT/JP1xNl0JiUECe04ZqS3UJ9Drf7NyKG35aYCTRjZvAoxLz2hQyEzCsErzsCab1NfH2bbl"
  admin_password_hash = "$2y$10$oBB4ufJfSzqS6o1yghi7on7TNjlIBngL7DaaRxqDykBtt9/cUXRuX"
}
