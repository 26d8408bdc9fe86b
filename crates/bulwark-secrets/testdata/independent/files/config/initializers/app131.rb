Rails.application.configure do
  config.x.region = 'eu-west-1'
  config.x.kraken_org = "example-org"
  config.x.hubspot_access_token = "pat-eu1-0f4d0d20-bb7e-4644-bcc2-ee3094b146ea"
  config.x.build_id = "afeca2e4fa8010af7e56aacc8628207f"
  config.x.auth_token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token"
  config.x.atlassian_api_token = "{{ .Values.atlassian.token }}"
  config.x.retries = 3
  config.x.ibm_enabled = "false"
  config.x.travis_api_token = "{{ .Values.travis.token }}"
  config.x.secret = "abcdefghijklmnopqrstuvwxyz012345"
  config.x.azure_storage_connection_string = "DefaultEndpointsProtocol=https;AccountName=9ipae76ymguq;AccountKey=EuuJ14n3WrdnDBL+DKuU6P95wHrusfUnqEHf36Y0GL8FFPHxDWAMSWUaXrSk+qJF40pHHi9fuSmz5wUUYzWEXg==;EndpointSuffix=core.windows.net"
  config.x.asana_access_token = "REPLACE_WITH_ASANA_ACCESS_TOKEN"
  config.x.nuget_api_key = "oy2tk0uibh9cl90tcnusy3qee6mdtaww07e8voh2eyoxdz"
  config.x.access_token = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
end
