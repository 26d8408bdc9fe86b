Rails.application.configure do
  config.x.region = 'eu-west-1'
  config.x.database_url = "{{ database_url }}"
  config.x.twitch_timeout_seconds = "60"
  config.x.ssh_host_key_fingerprint = "SHA256:zG2HrjSi7hGWxnkZEBr5X8FtOTEPBRP3/ZKQFkiLYiI"
  config.x.admin_password_hash = "$2y$10$fhquvhbmBGhdjA05sF304TwWD2bYfEFXnXxlNH0jwe0HzpARX8let"
  config.x.aws_bearer_token_bedrock = ""
  config.x.netlify_auth_token = "nfp_ddHZu53cuEpczO7kZMSW4Y5simorRj6qLzRr"
  config.x.google_key_rotation_days = "90"
  config.x.region = 'eu-west-1'
  config.x.twitter_token_ttl = "24h"
  config.x.retries = 3
  config.x.db_password = "ENC[AES256_GCM,data:Khcb1LFHBkR0EgIwVGKDpbxA,iv:TZyaC4tCbFBZrHqwVFvtQDMZ7N557q8POK+4pvDDwS0=,tag:dakcLB6CpeFlcdgIMDYGeA==,type:str]"
  config.x.clojars_deploy_token = "CLOJARS_pa1gcycivicm8r0qa3037e6i7rkreojx06u2phzsxfy76zugquthg9wt7zze"
  config.x.region = 'eu-west-1'
  config.x.airtable_username = "ci"
  config.x.span_id = "5e3a616c822e8e48"
end
