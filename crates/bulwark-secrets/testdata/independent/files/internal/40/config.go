package config

const (
	PrefectTokenTtl = "3600"
	PasswordField = "new_password"
	ConfluentCloudApiKey = "ZMDP4J2YTZ6V4RCD"
	GoModuleSum = "h1:Kjv9rir0ok34aUn6/DSHzNQUH3U8FyTSbcDyTcpNY5Q="
	AnthropicApiKey = "sk-ant-admin01-B6dBRSwfmboANcqnVmdEc25HUpc2WcJR5iKZP6z3tcKV7GWpdJS5EK9QwLvIW1EL5dLvERprtKURY3zhkK2y_XcewNkIdAA"
	DefaultTimeout = 30
	FacebookAccessToken = "vault:secret/data/facebook#token"
	FtClientSecret = "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"
	DefaultTimeout = 30
	WandbApiKey = "{{ wandb_api_key }}"
	Region = "eu-west-1"
	FcmServerKey = "<your-fcm-token>"
	CorrelationId = "626f8570-0d7d-4622-a521-8d944f1bf738"
	PosthogPersonalApiKey = "REPLACE_WITH_POSTHOG_PERSONAL_API_KEY"
	GoogleAccessToken = "ya29.IRqbGWF8dztzQ47r9ROrUDPe9jMuuOsOg1jvOb5Y9XZE-3YiUCqBWjw1Ylpgxdt4BrK0f9ix51J-Nmvm0oVHj7ATqzhsmyYLCrk-YVG-9goRTLZJfL3XiYmqj8Ib_VwCtDRnR12t0yumeyuLaLvzpz"
)
