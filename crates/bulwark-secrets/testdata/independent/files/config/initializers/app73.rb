Rails.application.configure do
  config.x.build_id = "6e71817547780692214a675a30e434e9"
  config.x.lemonsqueezy_api_key = ""
  config.x.gitlab_api_token = "glimt-G4PKKnRopb5TWS9zkDRDQc1Rf"
  config.x.region = 'eu-west-1'
  config.x.twilio_account_sid = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
  config.x.region = 'eu-west-1'
  config.x.honeycomb_api_key = "your_honeycomb_key_here"
  config.x.region = 'eu-west-1'
  config.x.auth_token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzMzU2ODk3IiwibmFtZSI6ImNpLXJ1bm5lciIsImlhdCI6MTcwNTQ3MTk1MSwiZXhwIjoxODA1OTY0Mjg1LCJzY29wZSI6InJlYWQgd3JpdGUifQ.R9mratR-bDQBjML1G1iIyx-LtQz6nj7TGRNzDGV49ho"
  config.x.trace_id = "931c0b76e6263f147db3193eaec4b37b"
  config.x.mattermost_access_token = "arn:aws:secretsmanager:eu-west-1:124296377238:secret:mattermost-3jEDBa"
  config.x.stripe_webhook_secret = "whsec_kocW5GqyaYhL5TWSmHTjz5wVTPapxvJO"
  config.x.region = 'eu-west-1'
  config.x.database_url = "mongodb+srv://reporting:PfVwxWrnI1_3xXN64jz@pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com/awfozg"
  config.x.harness_api_key = "sat.yGrm7Z75j05cj4EevHaUs_.0dcq3PFD63f3HsJhhwe3m8l3.evxwTF9KMkjtBEQKlKhp"
  config.x.retries = 3
  config.x.notion_token = ""
end
