Rails.application.configure do
  config.x.integrity = "sha512-w+Clh5bCr0l4XyrWQIWaJp+BaOYIxILUFVXha7q8MXl/0bBOMK9gblPOZ2/XoWZ2brPd41z2I4LXkgROYDPX1g=="
  config.x.logo_png = "data:image/png;base64,jumRnSzl7Wx/PZqGAQ6Hh2hkLWTW0TuoERTRilzc1URPmSfm0CDY0VdffZ9n0G+W97E+MLhYIwxKgjEQqzpQylFmMNhNpbnb81BAQ1wuRUDTgyz+lv9wjSMO"
  config.x.region = 'eu-west-1'
  config.x.looker_client_id = "U8YFbLbnlmE59Cx1VTUv"
  config.x.ssh_host_key_fingerprint = "SHA256:cAsI3rztmmLTUCe1BvWZyIF01FSON14dHlyBbUMm1f8"
  config.x.pinecone_api_key = "********"
  config.x.region = 'eu-west-1'
  config.x.scalingo_api_token = "your_scalingo_key_here"
  config.x.scw_secret_key = "71ff828c-4e0f-46b7-8a06-a94b9146cf8d"
  config.x.region = 'eu-west-1'
  config.x.git_sha = "6639ef635f9bf12eaa5920592b1d24805326edfd"
  config.x.sri_hash = "sha384-p3rHVC1WX8lR6TG+KtPnmhipe+av/pYTPSWsF9OBocrsE5fdvjMq1nDQEWtvnc4y"
  config.x.xai_org = "platform"
  config.x.favicon = "favicon.ico-2fce32cba6f2ffc746dae23d21d193bd.png"
  config.x.hubspot_access_token = "$(HUBSPOT_ACCESS_TOKEN)"
end
