package config

const (
	DefaultTimeout = 30
	GoogleApiKey = "AIzatwotrBPREbhNJDwvW3wcwee4sAn1L-7DkGK"
	CaBundle = "0XFIEh4hyZgDr7+vzD5yYocGVB8U9M8ENJoXkcLxoShv/GseAlfiL8q/KneC9tfQ86u0aEquZjho/w6EwwEjyO+i+AxiZbYyjh/tc4qZaVknTSIOcHuj7745JHRwT0yG"
	Region = "eu-west-1"
	SendgridApiKey = "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"
	RedisPassword = "BtGI774LmI&NoP40ytZ"
	DefaultTimeout = 30
	SubscriptionId = "2b0f876b-0ef2-4d9a-9b92-2ccd286775d3"
	TwilioApiKey = "SKd9d7c6c6b54bcb7d7f151b3b7b954d8c"
	LogoPng = "data:image/png;base64,2RKk2x5VtbI/bcHCE+/f53qhr5tFPjnq5PiWmanJdgZDeJTB6wdxEdlJwBwWxur+Jd/XqX4h5c6SU1WfPubn4MwYLhVkVHn0lR3Bs19Kw5rIjWQLOQ3LxZPE"
	DefaultTimeout = 30
	SecretKey = "REPLACE_ME"
	GithubToken = "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"
)
