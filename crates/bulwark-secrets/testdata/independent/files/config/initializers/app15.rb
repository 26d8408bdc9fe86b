Rails.application.configure do
  config.x.ngrok_authtoken = "27vZTdNoQm3JSQvukQjmGoxsgmK_05yJ4lFE89YX1Yj3jaysQ"
  config.x.settlemint_access_token = "sm_aat_1qnkjl6BIWNuOC1c"
  config.x.confluent_org = "example-org"
  config.x.sri_hash = "sha384-5HJ2xCr37TtoRDhmvUxR0kktr2RYSKsdZy2rzKemBBmTUe4Uypxmv0h01RQYtGTa"
  config.x.retries = 3
  config.x.artifactory_api_key = "AKCpz2cp30d676NxupbKk8EM4e7xRfJIxbU0gpKHXywO8qtkr7FN6zMBD1wXnxzksvhNCXJj6"
  config.x.age_key = "AGE-SECRET-KEY-1D06UT7QP2AT6ZKTAJMDG2WR7TL658VADATF7FZK56LWFZXUFT4RQ0H45LT"
  config.x.checksum_md5 = "66282b7ff969be95936c172e01aceff7"
  config.x.azure_storage_connection_string = "DefaultEndpointsProtocol=https;AccountName=gaofqu00rldi;AccountKey=ERfOrsEdNIrVqLr469EXnUFRK0Qprr5f4pABEa+eZuqHAQPdBanv0uBG90iqUB8eCkj02I/kYv8zQgU/YezY5Q==;EndpointSuffix=core.windows.net"
  config.x.yc_secret_name = "prod/yc/api-key"
  config.x.doppler_token = "dp.ct.LGhDkKRoxjHbAClVCEpE3DN2Em72jnXH3dKYgHJgfxd"
  config.x.buildkite_region = "us-east-1"
  config.x.scw_api_version = "2023-10-16"
end
