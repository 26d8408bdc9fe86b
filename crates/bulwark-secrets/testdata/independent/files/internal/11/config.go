package config

const (
	DefaultTimeout = 30
	AwsAccountId = "410693410897"
	DefaultTimeout = 30
	ApiKeyEnv = "OPENAI_API_KEY"
	Region = "eu-west-1"
	SlackTimeoutSeconds = "5"
	MaxmindLicenseKey = "<MAXMIND_LICENSE_KEY>"
	TwitterApiSecret = "{{ .Values.twitter.token }}"
	LemonsqueezyApiKey = "$(LEMONSQUEEZY_API_KEY)"
	CaBundleB64 = "JXc/EdCqg3pCK+77DTWUlixesZziYAE0+X8tHmac6kzebAY5M6PaG0PVfiUQ3ZUG"
	FlyUsername = "ci"
	DtApiToken = "vault:secret/data/dt#token"
	Region = "eu-west-1"
	WandbApiKey = "a2a78462a30597c6c8db260f9aaec588e264ffff"
	AwsRoleArn = "arn:aws:iam::727731477803:role/deploy"
	DefaultTimeout = 30
	HubspotApiKey = "588ef025-b3e1-426c-9f67-595d59501534"
)
