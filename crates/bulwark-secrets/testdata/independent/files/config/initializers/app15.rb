Rails.application.configure do
  config.x.sri_hash = "sha384-CDE7ItIRYrB9ula1DWpxbtfae+O5AwLz5I4YJCwOvB+0t6JvQ4tjmUcWFS+Lh1az"
  config.x.favicon = "favicon.ico-68dff86f7ecf24f9125444d0b74c8d6b.png"
  config.x.etsy_region = "us-east-1"
  config.x.vultr_api_key = "7ICA08TUL448MDBTWPCYWFQLV6M9HJWOP5ZR"
  config.x.region = 'eu-west-1'
  config.x.password_field = "new_password"
  config.x.okta_api_token = "00eBCWrcpxr09XtS8vsAsL0DztlqG1M1BY4j93e9Du"
  config.x.docker_image = "registry.acme.internal/platform/api@sha256:f39ba886a8b71da7d40a01c9815f47366dd71abe18f2b7718674e6165d0b3ef3"
  config.x.fastly_api_token = "x5BoZCyd_BjnroeGoNZzjSe5C7iminWM"
  config.x.region = 'eu-west-1'
  config.x.contentful_token_header = "Authorization"
  config.x.azure_api_version = "2023-10-16"
  config.x.retries = 3
  config.x.sumo_access_key = "${{ secrets.SUMO_ACCESS_KEY }}"
  config.x.csrf_token_field = "csrf-token"
end
