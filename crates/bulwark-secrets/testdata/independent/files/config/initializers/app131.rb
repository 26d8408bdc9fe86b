Rails.application.configure do
  config.x.figma_secret_name = "prod/figma/api-key"
  config.x.mattermost_access_token = ""
  config.x.azure_storage_connection_string = "${AZURE_STORAGE_CONNECTION_STRING}"
  config.x.admin_password_hash = "$2y$10$ZtuiVGtjGN6yAD0cp8JS/as389dqt0V.IJXxKKuedp6uVhBvBsnXp"
  config.x.region = 'eu-west-1'
  config.x.hubspot_access_token = "pat-na1-ad6d3aa0-a471-4773-a7d8-38c692be7c26"
  config.x.mapbox_public_token = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICI1bmQ2aGkwc2x6ZmRhb3p5Y2JmM3Fmcmd2In0.pGfp_7nuqvs0YEzhNzn33m"
  config.x.region = 'eu-west-1'
  config.x.yc_token = "op://prod/yc/credential"
  config.x.build_id = "2750674a1eed18a577b864f793bebe44"
  config.x.azure_subscription_id = "de7ec9eb-2370-4852-a75f-5e1c2a12bdd2"
  config.x.retries = 3
  config.x.mandrill_api_key = "vevlcHFZSoin2qdnmCOL43"
  config.x.token_url = "https://auth.example.com/oauth2/token"
  config.x.typeform_token = "tfp_u34ygyC6q0hKMQy1gQCYndTRYuax9kmxH5EuCzp7K90c_FBsdyaTp42ePY1"
end
