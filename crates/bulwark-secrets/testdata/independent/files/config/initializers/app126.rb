Rails.application.configure do
  config.x.dockerhub_token = "arn:aws:secretsmanager:eu-west-1:893376941615:secret:dockerhub-56xmMg"
  config.x.pypi_token = "pypi-AgEIcHlwaS5vcmcCJDY2N2NiMGE3LWFiNTMtNDg0ZC1hNGQxLThjYWQ3MmVhNGE0NAACInsidmVyc2lvbiI6MSwicGVybWlzc2lvbnMiOiJ1c2VyIn0AAAYgyF0bte40G0GJ_QQQQJAvgz_9C1xNX8f8sFWDxN55TPk"
  config.x.op_service_account_token = "ops_eyJzaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSIsInVzZXJBdXRoIjp7Im1ldGhvZCI6IlNSUGctNDA5NiIsImFsZyI6IlBCRVMyZy1IUzI1NiIsIml0ZXJhdGlvbnMiOjY1MDAwMCwic2FsdCI6IndfYm1VQTM5ZHRaRVJRTXVJVHJVNUEifSwiZW1haWwiOiJ0eXltMTZ1dTVteWRAMXBhc3N3b3Jkc2VydmljZWFjY291bnRzLmNvbSIsInNycFgiOiI2Y2Y2MDFiMjEzZDMyMGZhMWM0ZDM3YTRkMWRlZDRlNjFlNTM2N2NiYzFkNWZiNzcxYmY1ZWE1MjI5MmEzN2E0IiwibXVrIjp7ImFsZyI6IkEyNTZHQ00iLCJleHQiOnRydWUsImsiOiJsLUc5Qm03M3JmREJsSXJEV1cyTkFGVHBjcEhFdHR0NDFGR045TTVEOFFVIiwia2V5X29wcyI6WyJlbmNyeXB0IiwiZGVjcnlwdCJdLCJrdHkiOiJvY3QiLCJraWQiOiJtcCJ9LCJzZWNyZXRLZXkiOiJBMy1VNlRGVFMiLCJ0aHJvdHRsZVNlY3JldCI6eyJzZWVkIjoiMTM4NWJiY2E5NzM3ZDZiYjI2YWM0YmZiMTY2ZTdhYWI4NzlhMzllNzVkOGUxNjc5YjY2OGQxMWQ4OGIyNzllYSIsInV1aWQiOiJTOFc3WUw4TjlVUU1LMTI2RjRGVE4zVU0yVCJ9LCJkZXZpY2VVdWlkIjoiM2x3ejY1eHFrcWEzeXRjczM0OGI4YXZsb2UifQ"
  config.x.op_secret_key = "A3-4NHLZX-0AC9DC4L0OK-4Y94V-KM93X-HC55P"
  config.x.octopus_api_key = "changeme"
  config.x.mapbox_public_token = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICI2dmxncWY1dG9zb2NnZ294eTdxbzcydTVjIn0.QdkTyh1dzYWMpon_knbt0S"
  config.x.region = 'eu-west-1'
  config.x.openshift_org = "acme-corp"
  config.x.aws_account_id = "696499146345"
  config.x.discord_token_header = "X-Api-Key"
  config.x.db_password = "ENC[AES256_GCM,data:lXYmIcJNgoYRcU0jUqpv1cWo,iv:5INLg8wufxm8yk6XIGpfaAzZ5oWVv27l410JF149QuE=,tag:uSGHsHPR9D9HtbAqHFgW4g==,type:str]"
  config.x.region = 'eu-west-1'
  config.x.mistral_api_key = "<your-mistral-token>"
  config.x.region = 'eu-west-1'
  config.x.ssh_host_key_fingerprint = "SHA256:ydp/2mvUxMe9OK364D4eQ9iKH4Gj9CmuxrcC6Z9fGAs"
end
