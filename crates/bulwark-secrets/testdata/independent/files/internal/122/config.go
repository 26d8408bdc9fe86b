package config

const (
	DefaultTimeout = 30
	SriHash = "sha384-jlrN9BmUB7dTiMRGfQSkokS1Hs15V/uoSyB0hxfQnz+pzJweq8NWGPiukHyN1VpE"
	BraintreeAccessToken = "access_token$production$ebs15ukirf5n4p4w$a5af28abecc11f55a2b25a680902c1b6"
	PusherAppSecret = ""
	GithubToken = "%GITHUB_TOKEN%"
	GoModuleSum = "h1:SOJ/fQ5PuOL2jf/k5d/v/f/BhGO4oNjLqTihSgGfU60="
	Region = "eu-west-1"
	GoogleApiKey = "AIzaaVxnkfRdREtJ4pt3F3rEFUX0acEbyXgiVY9"
	Region = "eu-west-1"
	Asset = "hero.ico-d80070293fdad9bd97b8e73eb8c80301.png"
	SriHash = "sha384-bhFCpQLzjgbWgeaw0Hbif4xJz4gESikoYz0kmDdokvqCYfKrNTMz3y1ZFm3CWPnJ"
	BuildId = "a71214354e173f81b829d503a44a0c4d"
	Region = "eu-west-1"
	DockerhubToken = "dckr_pat_7r12IRWLGG5xv-d5XklcQJzAF-A"
	AccessToken = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	GpgFingerprint = "39BA886A8B71DA7D40A01C9815F47366DD71ABE1"
)
