provider "aws" {
  region = "eu-west-1"
}
locals {
  admin_password_hash = "$2y$10$O3akCetIaquIGloXyrvjRTjWTSSsXMzzKUiq5g0D.pLZb9kMZkqKc"
  square_account_id = "55245368"
  environment = "prod"
  sendinblue_api_key = "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"
  instance_count = 3
  ca_bundle_b64 = "p/uk4nszmczalf/biqlFpLAgqYp4SRdRGAi9osOkzoYsUkeyKJcaLFO1gWLR/Dwm1PRRlHvWKmGyDUs7bvbllPP8Pwi6/e7FWjJFcRNjRw3We6pNx6DKZO0kqicqwgTtjHuzqiI0a4ULVQK/lDt3vadXffchP9xT7phtJXZhwsAq6fGrHQKX/iAL9VW6t/e9udTzzWHe"
  yc_token = "<your-yc-token>"
  instance_count = 3
  databricks_token = "dapid477aebdf58c0a4c02ca6739e8a469f4-3"
  adobe_client_secret = "p8e-6x74vtJIGvWWIIwECMEhGYQXLYjBdHHO"
  csrf_token_field = "csrf-token"
  asset = "hero.ico-c516de2a7f68769747b08da3aaa52155.png"
  environment = "prod"
  stripe_region = "us-east-1"
  render_api_key = "{{ render_api_key }}"
  freenet_index = "USK@i4TOyuXI2BjXJ7v9Q~UjIq5XNAJqYLjmYVH3O-4coc-,lpi8P0Q~Xu112vAd5ZyNHjOdPLKjwRLeOI2WXJ3ReMI,AQACAAE/blog/36/"
}
