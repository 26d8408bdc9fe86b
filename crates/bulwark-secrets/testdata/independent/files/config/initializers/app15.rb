Rails.application.configure do
  config.x.db_password = "ENC[AES256_GCM,data:SHSUpWITuJ2IgHH1893leJ+B,iv:hP1y1J0Vjsp7UkT6BvLZoJdhp72DGKwWyqOhO6QrQDk=,tag:Edlk0VepRzc6U1DlTF4YKg==,type:str]"
  config.x.aws_role_arn = "arn:aws:iam::857690788545:role/deploy"
  config.x.region = 'eu-west-1'
  config.x.fastly_api_token = "x5BoZCyd_BjnroeGoNZzjSe5C7iminWM"
  config.x.retries = 3
  config.x.checksum_md5 = "fff0ea6d546c84025ea7d118da6f8d47"
  config.x.region = 'eu-west-1'
  config.x.github_oauth_token = "${{ secrets.GITHUB_OAUTH_TOKEN }}"
  config.x.aws_timeout_seconds = "60"
  config.x.favicon = "favicon.ico-7bebb5ec7e34813745c040f5314ab7a6.png"
  config.x.region = 'eu-west-1'
  config.x.mapbox_public_token = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICIwbGRtcXZiNTZtOG0xdHprYmowbzIyM2w5In0.E38NVtz9s2Y-YEA8EagcQ1"
  config.x.slack_url = "https://api.slack.com/v2"
  config.x.sentry_dsn = "https://6624ef8dc432c9485de77c5f6d41c243@o677963.ingest.sentry.io/6543328"
  config.x.github_refresh_token = "<your-github-token>"
  config.x.sri_hash = "sha384-IgmsvyGxpytok9K2Zk66kZwWT2g/QMJTI+IOzXVUEHLA6BGVjzE0Tu77WjmEe0gc"
end
