package config

const (
	DefaultTimeout = 30
	StripeRestrictedKey = "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"
	ZendeskApiToken = "{{ zendesk_api_token }}"
	DropboxAccessToken = "sl.4LXlE0KWQ-x8KFnIrHXEIopiutgZu3t5pOX44AWXKeuE_GvSTysF3FkZ3GJw217UKD6KmQPv9PJoF9BargRgMd2jrH2Sz05tMseAWij5TN3UcvKKW_istRy7hHBb5WZsBtzWiE_"
	FlyApiToken = "fo1_hYD4sLe5dNwjS9WvgP1FnJXS_9PVHXxo0VUd57HMNVs"
	SpanId = "96fabfd6e9573911"
	ScalingoTimeoutSeconds = "60"
	DtApiToken = "vault:secret/data/dt#token"
	Region = "eu-west-1"
	CloudinaryUrl = "cloudinary://860249987207164:nSwxjn_0ueEOuOHh7Jc5n1kVa0q@kngcdhze"
	DefaultTimeout = 30
	SlackAppToken = "xapp-1-A4RDZ0WUFGI-9407290319428-e36173046c8cd492b8ab59282035b239e1cda6490fa4bcec41ef314d0e40f5c6"
	GitSha = "f93ea45d36d6d9407d1cf648d35c51d041e844b4"
	TencentcloudSecretId = "AKIDqc2h6yFO16SgNTO3OAAr48jgDCinAMDi"
	PulumiAccessToken = "pul-4c854816a61ee46a783923497276641cc58e0282"
)
