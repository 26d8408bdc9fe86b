Rails.application.configure do
  config.x.region = 'eu-west-1'
  config.x.github_token = "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"
  config.x.retries = 3
  config.x.aws_account_id = "648803999433"
  config.x.region = 'eu-west-1'
  config.x.aws_bearer_token_bedrock = "ABSKQmVkcm9ja0FQSUtleS1hZzZtbC1hdC04NzIwNTA5MDEwNDE6QWpVTGQ4N0FRdE1Pcm9rMUNWNWNpQ0FMRjdSRzRVaG02c2xhMGNVMWF2T0FxdUVRcTNobkxpSG11RlVs"
  config.x.aws_bearer_token_bedrock = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFTSUFISlBPTEVISEdQM0xYN1JCJTJGMjAyNjEyMDElMkZ1cy1lYXN0LTElMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjEyMDFUMTAxMDEwWiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNlY3VyaXR5LVRva2VuPVR5VVQ0eEtFM09yVU91V2Z3QzdYamVhRkMzSjFoMGk5MXhtWHBhc2FVRjYzeG5oUnA3QkljdlpESVYvOGFiTHROZGo3eE1nL2RPMCtTalgxWVF5UmUrenNjUk9yU29jbjJmdm84TjdTVDRqNiszalYza1VJUE56M2VJVG5OemNPRGhMbTBqejZiZXo1UnlOZVY1SXFXcXcrNTUveEZsQUcmWC1BbXotU2lnbmF0dXJlPWZjMDRkM2VmNTM1YWJiNzdlNTM4NjYwY2FhMGQ0NTRkZGNkOWY5ZjZmMmFlZWZiMDhmMGMyNDE3Yzg2Mzg0ODYmVmVyc2lvbj0x"
  config.x.slack_webhook_url = "https://hooks.slack.com/services/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"
  config.x.honeycomb_api_key = "hcaik_7x4qoxdetpvy13fmkrqts3656j7vwpftg68lv0l1bnac19eirk8c6kf7bq"
  config.x.retries = 3
  config.x.mapbox_secret_token = "REPLACE_WITH_MAPBOX_SECRET_TOKEN"
  config.x.retries = 3
  config.x.cloudflare_api_key = "6e7fd290f0fcd7e565abbb6a721122ce8eaac"
  config.x.api_key_env = "PAYMENTS_API_KEY"
  config.x.retries = 3
  config.x.twitter_api_secret = "OMlg793nX9cG1S1lyikKn9RTt9DNnn9PgL951fEimx1r7UV7Vj"
  config.x.region = 'eu-west-1'
  config.x.auth_token = "op://prod/auth/credential"
  config.x.adobe_client_secret = "<your-adobe-token>"
end
