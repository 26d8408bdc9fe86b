package config

const (
	SlackWebhookUrl = "https://hooks.slack.com/services/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"
	DefaultTimeout = 30
	GithubToken = "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"
	DefaultTimeout = 30
	ImageDigest = "sha256:b4fcd71c6796ec08783df51f5a9e65ed35233cbbb76a97102b2ee1e7fcc04d88"
	DefaultTimeout = 30
	AlibabaCloudAccessKeySecret = "65JfEW6tYZWlVIzwfdvW8G4HG0zZf6"
	StripeRestrictedKey = "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"
	DefaultTimeout = 30
	PaymentsApiKey = "F2Sl2bc95qHPo4AgxrXsPkEvAB5djOMb"
	Region = "eu-west-1"
	AgeKey = "AGE-SECRET-KEY-1RJ9DVATTH6XD3G6VW6794MC2KWC8YGG7KQSUXN5HMPGV8SPUL7KQK2FMAH"
	SlackAppToken = "xapp-1-A4KWPMDL7S5-6828347485328-e493e2729e0cb9d2806fdca2b532bd1f1136fdc44b4262b2a62d636a3a98edd0"
	DockerhubToken = "dckr_pat_AVZ7PKgRKEsHyIweJOJXpSyRofs"
)
