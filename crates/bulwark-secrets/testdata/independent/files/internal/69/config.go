package config

const (
	AlgoliaAppId = "PHQ9DQVHT3"
	PypiTimeoutSeconds = "10"
	CloudflareOriginCaKey = "${{ secrets.CLOUDFLARE_ORIGIN_CA_KEY }}"
	DefaultTimeout = 30
	MapboxPublicToken = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICJreXZvN3g2cndud3kzYjFraXB4ZG45eG42In0.o8Sh4_7CzR25jCjEPpWC-b"
	AgeUrl = "https://api.age.com/v2"
	GitCommit = "5c429283558054a6a65d8b748f788fa6ca1b779b"
	Region = "eu-west-1"
	PasswordMinLength = "8"
	Version = "1.17.84+build.a76aeb2"
	BuildId = "f98eef1969caa09542ff8694de545d83"
	DefaultTimeout = 30
	EtsyApiKey = "op://prod/etsy/credential"
	Region = "eu-west-1"
	TwilioApiKey = "SK4d96b7b66afa4827d2e8c7144bf09f72"
	BuildkiteApiToken = "bkua_098a4969c670be1b516de0fd9edd6c338d04495b"
)
