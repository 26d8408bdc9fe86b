provider "aws" {
  region = "eu-west-1"
}
locals {
  stripe_secret_key = "sk_live_64930xG64XQsCTd1j0Peq7MP"
  owner = "platform-team"
  logo_png = "data:image/png;base64,2RKk2x5VtbI/bcHCE+/f53qhr5tFPjnq5PiWmanJdgZDeJTB6wdxEdlJwBwWxur+Jd/XqX4h5c6SU1WfPubn4MwYLhVkVHn0lR3Bs19Kw5rIjWQLOQ3LxZPE"
  mailgun_api_key = "key-ffd3d014538c8e1901e81bd0eb0a901a"
  mailgun_api_key = "key-73e1fc3a6cc6bce4aaba1103472aa9cb"
  environment = "prod"
  redis_password = "77Fost4y9R&WZoHjscP"
  instance_count = 3
  openai_api_key = "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"
  database_url = "postgresql://app_user:alQAPMXhCE-CHBmM00D@10.0.3.17:5432/iqxxrk"
  password = "changeme"
  environment = "prod"
  api_key = "<your-api-key>"
}
