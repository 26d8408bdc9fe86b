package config

const (
	PlaidSecret = ""
	IbmCloudApiKey = "TwyLQwUEhh4Cjg96zJ9Ax1a4mK09tJWsZ4ylHuT6N7rb"
	Region = "eu-west-1"
	FrameioToken = "fio-u-pfHwYixFdmAaKmmPMKD14Gr9lthp-tFdA-7e1zdJ7qvUZBXIaWmH49a4teu3fDLT"
	Region = "eu-west-1"
	FlyApiToken = "fo1_8KocVKG1C28NjUfhiJuUrdY7qn8Dz-ROXv-AqL3ODER"
	MailchimpApiKey = "bb3c8f8deebe88228916baa6093ca305-us16"
	VaultToken = "hvs.w13m88KjZ7yYYLA-0lMQg8pHBLLQGm8URLXFzdPeHWu9vIENy1y_qicUM65dQouDV8U39AxnOK5kUMLWyY2wcemGyKh2p_y"
	DefaultTimeout = 30
	LogoPng = "data:image/png;base64,NJhHF8mPyj9j8ON6I7FjtFOH9dh2psAXJfr1v2/55VHKbBx2pjjt7+pA57uwiVWX09FoF3Jpq32zmTZ5e1PDrLEbU4+9AIQOGGVDNMcnil7hICzkDEDgw53e"
	SendgridApiKey = "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"
	GroqOrg = "example-org"
	TwitterApiSecret = "kuMA1GngUMqYS4xaxk3E7m76ljJ2eFQDIYFphixtRgD4mrVZ1K"
	DefaultTimeout = 30
	AwsAccountId = "738288928735"
	DefaultTimeout = 30
	PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$Gphkko29HZJc8DqBdhEYUg$dVZwZGg5LaT19xvHau63_p1nMFM3JCEesDMF-Y3NaPM"
)
