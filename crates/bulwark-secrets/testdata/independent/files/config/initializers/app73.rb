Rails.application.configure do
  config.x.github_refresh_token = "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"
  config.x.go_module_sum = "h1:/UXu2DqCIfZozDYQEDHLEEhCzdLUBBozL3a8v6yyCmI="
  config.x.langsmith_api_key = "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"
  config.x.git_commit = "bce063a5a9cf232a33c2a9ed958489486421f3ce"
  config.x.retries = 3
  config.x.secret_arn = "arn:aws:secretsmanager:eu-west-1:122636569950:secret:prod/db-z0Tf5X"
  config.x.region = 'eu-west-1'
  config.x.request_id = "56595b43-1539-4378-9c66-e0ed347137fc"
  config.x.region = 'eu-west-1'
  config.x.gocardless_access_token = "live_tQPhmoU3T_xJ_iNtNYQhVOqgYjPix7MdYJagId1P"
  config.x.retries = 3
  config.x.git_commit = "1d4ecc4944bf1a04a18e4358bb3d8b3159b56c92"
  config.x.region = 'eu-west-1'
  config.x.sri_hash = "sha384-3YjA2TIqXtvjGhhliVFp9COvXMs7//S+op1IkoWhfCHQyxuaJUWxpnwnVdfkdlIw"
  config.x.region = 'eu-west-1'
  config.x.hubspot_access_token = "pat-na1-ad6d3aa0-a471-4773-a7d8-38c692be7c26"
  config.x.ca_bundle_b64 = "EDXRpNcPiSX/CdOSII0zvmuq5MLPcbfzoDzf+GMBZhVuIj07SmvhT53qx1pFlXtfta5dwtDLRqlzFRRmtHKGYlDQsdO5GKyFS4rsVlSgfSoCl31prQyKIE+9ttBN5E/Eul8EVDTsPAvU0WYtrlWSU/AHYG4qrdoOwJnbKB9Qgns/JvgdDZ6Gf9HUObiylMch1mD4s/x+"
  config.x.azure_client_secret = "changeme"
end
