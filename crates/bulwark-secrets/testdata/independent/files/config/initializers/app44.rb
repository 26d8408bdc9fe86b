Rails.application.configure do
  config.x.go_module_sum = "h1:xEgefq9s2QAE9ATiSviRpsuyh7ognw/nimSZjgw571Y="
  config.x.span_id = "7ff859a3b1432f43"
  config.x.twitter_username = "ci"
  config.x.resend_api_key = "{{ resend_api_key }}"
  config.x.mailgun_api_key = "key-e9a3630f0786b7872e7112970772c18e"
  config.x.groq_api_key = "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"
  config.x.facebook_access_token = "EAAMHwgul36tveZGF83mm5W1zPoz2qXbGMOXTT1eqf4Kq4UQg4Ype3TJaHJnhueCRtwC6DlQ8GKFmjORQQbTo1yNIANTRkAWiy7dvg68svcmBUu5Vr1jSObtFcjN3itVmiM1caKJsBsoZmuaH4O4kpm0HDfmTGy6S3mh"
  config.x.contentful_management_token = "<your-contentful-token>"
  config.x.azure_subscription_id = "7b8cb416-64f7-4180-95db-7c6510599edc"
  config.x.access_token = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
  config.x.version = "5.22.65+build.608fafb"
  config.x.secret_key_base_file = "/run/secrets/secret_key_base"
end
