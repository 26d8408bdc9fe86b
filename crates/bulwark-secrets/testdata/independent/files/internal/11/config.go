package config

const (
	IntercomAccessToken = "dG9rOmYxZTE3ZDUyXzNmOTJfNDkxY19hMGE0X2M3YTUzYWM0MGI1OToxOjA="
	DefaultTimeout = 30
	DtApiToken = ""
	SlackWebhookUrl = "https://hooks.slack.com/services/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"
	RenderApiKey = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	Integrity = "sha512-Qt0QygzAPZrvjHF398txZdqSEM43vVEVuSQ70OMjPiD7D173YuCX0WZq4XWhgF7GXZFiZWyXXtQlEmI9Qjj+Xw=="
	NugetApiKey = "your_nuget_key_here"
	DockerImage = "registry.acme.internal/platform/api@sha256:b68bf01a5c6a048b8d1d8c2b545b9a564c707c561201964addcec3d92fe3398b"
	DefaultTimeout = 30
	ZapierWebhookUrl = "arn:aws:secretsmanager:eu-west-1:958047983981:secret:zapier-MpWG3U"
	Secret = "abcdefghijklmnopqrstuvwxyz012345"
	Region = "eu-west-1"
	GitlabApiToken = "$(GITLAB_API_TOKEN)"
	AlgoliaAdminApiKey = "${ALGOLIA_ADMIN_API_KEY}"
	Region = "eu-west-1"
	Etag = "W/1d61a4218aef2ac031cd53e00641ff73"
)
