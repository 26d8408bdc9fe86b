package config

const (
	Region = "eu-west-1"
	SecretKeyBaseFile = "/run/secrets/secret_key_base"
	ScwSecretKey = "{{ .Values.scw.token }}"
	DefaultTimeout = 30
	SlackUserToken = "xoxp-130991040511-483555289704-8846992069616-a3992f6843bee8972742ec5a91955363"
	DuffelAccessToken = "duffel_live_UnuZJVB8IhS6wr0mwlpwRPyDkrBZwO77oqApWoiBAMz"
	LogoPng = "data:image/png;base64,jZf5wRTikmHIChotnQhuIW0Rr6XHuK78hs8BxRTQ9IrGOyJ8toP1QRR+FkEIIVtvxbQgxDOQj2f8rJT6a9TZrXiTwSj0McPARAsKd2SWZLLtUGTuyEmQlrSh"
	Region = "eu-west-1"
	OpSecretKey = "A3-HIJFOZ-HAAD3KVXMMY-EHA99-BRFKM-06J4O"
	BundleEnterpriseContribsysCom = "44d3aee8:5764ab24"
	HoneycombApiKey = ""
	SendinblueApiKey = "<your-sendinblue-token>"
	Region = "eu-west-1"
	PostmanEnabled = "false"
	Region = "eu-west-1"
	TwilioOrg = "acme-corp"
	ClojarsRegion = "ap-south-1"
)
