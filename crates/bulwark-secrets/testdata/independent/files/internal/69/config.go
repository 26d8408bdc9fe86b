package config

const (
	GithubAppToken = "ghs_hhAojCXwXtfd7B84gezIyPd2TbFmrJ1RVQmm"
	DefaultTimeout = 30
	OpServiceAccountToken = "********"
	DockerOrgToken = "dckr_oat_ULSBNfQz5gF7yCiTYPpjaIT-KtLhIhja"
	ImageDigest = "sha256:e137ef3025055ad9a5926439c4152c2b7a4c7457b381a9e02baa5c09ffd937ce"
	FastlyApiToken = "changeme"
	ShopifyAccessToken = "********"
	Region = "eu-west-1"
	StripeSecretKey = "your_stripe_key_here"
	PostmarkServerToken = "2f04d4e1-f59c-4ee0-baf9-3cd4a1a9e6fc"
	GrafanaToken = "glc_eyJvIjoiNTg4Nzk0IiwibiI6InN0YWNrLTkwNDEwMy1obS1yZWFkIiwiayI6InpwdUY4Q3Z5UDFodW00YmI0ZVJLeTA0bSIsIm0iOnsiciI6InByb2QtZXUtd2VzdC0wIn19"
	PrefectApiKey = "pnu_h0ZaQj3ptFcEfaW4Q1BlcSQRv1AUAFdwzEXe"
	DefaultTimeout = 30
	TwilioAccountSid = "AC45f5a8b9d2df81e4492e94ad95f394db"
	RenderApiKey = "rnd_Sx2nOTup6fE5LBD1nPeLu57sSSBLXHsI"
)
