Rails.application.configure do
  config.x.go_module_sum = "h1:7aB77sNuCHUrGY+pAA1Lla1EF8L7oVF0XwYDLA7maAU="
  config.x.google_api_key = "vault:secret/data/google#token"
  config.x.replicate_api_token = "op://prod/replicate/credential"
  config.x.op_token_ttl = "7d"
  config.x.gh_pat = "<GH_PAT>"
  config.x.squarespace_api_key = "75d7e7c7-507f-4633-8272-b9b76e488ca2"
  config.x.mattermost_access_token = "arn:aws:secretsmanager:eu-west-1:498498943289:secret:mattermost-9fgSQb"
  config.x.alibaba_key_rotation_days = "90"
  config.x.region = 'eu-west-1'
  config.x.azure_sas_url = "changeme"
  config.x.stripe_key_rotation_days = "90"
  config.x.figma_token = "figd_hP5XugjjwdFoQGl9YLIztenV1roePKBY-qqEwAXz"
  config.x.database_url = "amqp://orders:R1AzTs8lkl*u0pu6azJ@10.0.3.17:5672/mijpcm"
end
