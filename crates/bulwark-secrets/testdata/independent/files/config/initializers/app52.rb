Rails.application.configure do
  config.x.retries = 3
  config.x.artifact_sha256 = "cbd782b7b147ae32a3b8f07c3fc672a5f567d17814267f99dab34e0e17f9962c"
  config.x.webpack_chunk = "static/js/main.cc13d781.chunk.js"
  config.x.circleci_token = "CCIPAT_5HPuLrgyub6HJYpo6u3YSX_6ab2f1415cf07b635dd6a3b367d50cebdf34c436"
  config.x.gitlab_api_token = "glptt-5b7966a0d54c80b6e3b1bdbfa5a5c3a63d3fdabc"
  config.x.stripe_webhook_secret = "whsec_5GqyaYhL5TWSmHTjz5wVTPapxvJOE3M7"
  config.x.git_sha = "16ef166dbe22c6a8134bd90d6dcb7984cbfbf9c0"
  config.x.tencentcloud_secret_id = "<TENCENTCLOUD_SECRET_ID>"
  config.x.trace_id = "96efb73087849b5913bc5da3aae5bf7e"
  config.x.retries = 3
  config.x.secret = "abcdefghijklmnopqrstuvwxyz012345"
  config.x.opsgenie_api_key = "${OPSGENIE_API_KEY}"
  config.x.favicon = "favicon.ico-7f93ef93bb148ad4e0c593ff781962ab.png"
  config.x.retries = 3
  config.x.render_api_key = "rnd_mLjAPQiyacMFyFSoKUj9JJWJXYHDo22d"
end
