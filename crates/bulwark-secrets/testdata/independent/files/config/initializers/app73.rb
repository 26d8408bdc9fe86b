Rails.application.configure do
  config.x.retries = 3
  config.x.twilio_account_sid = "ACa7f276d0ea3c1a9f83c1282d3ad6572e"
  config.x.freenet_index = "USK@h-YTUssb8QPtjj3iHbd7-1Q~uuXEsB0WAzzwSl2Sqjl,tluuyTAMF50xyT~6ORRvLP0NP8Q~sWiqvyOea~T4lY4,AQACAAE/index/24/"
  config.x.mandrill_api_key = "6_sQTFlMnwR0x2cAbe3jqJ"
  config.x.integrity = "sha512-DZ0FpKN/YR0Jr0o6/bzBl9vvEOSEUmE1kwJUT5WFuC6+ptarPWagXQ0EVLhGLUa8cDTc67r1AEoVTBf+pxY6dw=="
  config.x.region = 'eu-west-1'
  config.x.gem_region = "eu-west-1"
  config.x.retries = 3
  config.x.ft_org = "example-org"
  config.x.maxmind_license_key = "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"
  config.x.openshift_token = "sha256~gcdJXXHKN4KhHt3zxszBRUvlWgNpjCeVXGAqoBHq5ZI"
  config.x.facebook_access_token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  config.x.contentful_management_token = "arn:aws:secretsmanager:eu-west-1:090810348238:secret:contentful-s7wN6T"
  config.x.gemini_api_key = "{{ .Values.gemini.token }}"
  config.x.retries = 3
  config.x.pulumi_timeout_seconds = "5"
end
