package config

const (
	Region = "eu-west-1"
	BuildkiteApiToken = "REPLACE_WITH_BUILDKITE_API_TOKEN"
	ApiKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	CsrfTokenField = "csrf-token"
	DigitaloceanToken = "doo_v1_be05aed330f05bc5edd72b39aa29023abb00c7f7aaa453d253dfbd784b315769"
	HubspotApiKey = "{{ hubspot_api_key }}"
	DefaultTimeout = 30
	LookerClientSecret = "<LOOKER_CLIENT_SECRET>"
	CloudflareOriginCaKey = "vault:secret/data/cloudflare#token"
	OpenaiApiKey = "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"
	AnthropicEnabled = "false"
	DefaultTimeout = 30
	SecretArn = "arn:aws:secretsmanager:eu-west-1:534095512556:secret:prod/db-vgQYA5"
	GrafanaToken = "%GRAFANA_TOKEN%"
	TwilioAccountSid = "AC79cf68dff86f7ecf24f9125444d0b74c"
)
