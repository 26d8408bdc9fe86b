package config

const (
	GpgFingerprint = "B68AB47009C4A99E047D46BEE12E837C84C3A140"
	MattermostAccessToken = "arn:aws:secretsmanager:eu-west-1:124296377238:secret:mattermost-3jEDBa"
	ApiKeyEnv = "PAYMENTS_API_KEY"
	PasswordField = "new_password"
	Etag = "W/40544f2bca32628dd76a320259b8684f"
	ApiKey = "ENC[AES256_GCM,data:miY5nJ0LyOsQJxI6COwFFE1qojOsoZA1,iv:A6oLbLmuNDb6htOKSDGwtTTDo5OkuNjX9U+/Kxatzbg=,tag:ypYPktS6o5QxJjAhJawK+w==,type:str]"
	DefaultTimeout = 30
	SettlemintAccessToken = "sm_aat_GMtnKzVvVZ53PUv5"
	SendgridApiKey = "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"
	DefaultTimeout = 30
	KrakenPrivateKey = "lYOSDgh3ESOquAOZjKUsH3eKbY1MsTXjUfbiVX4pZVYMxEkzmJOsyB5Fs+mYMLGwgGw1+HPSfAQ3Nk1hxzkrcg=="
	CircleciToken = "<CIRCLECI_TOKEN>"
	SlackUserToken = "xoxp-149098654039-090968965412-5891941818329-5b62b604bfaf3652cd53bf42d8cc918e"
	CorrelationId = "ddf6728d-a5b1-465a-a8fe-f169e713fb67"
)
