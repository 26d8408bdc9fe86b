package config

const (
	CorrelationId = "f77ac2cd-a515-437f-b7d3-17e91a7972f7"
	DefaultTimeout = 30
	MerakiSecretName = "prod/meraki/api-key"
	Favicon = "favicon.ico-d607eaea3cabc558b6ae66d99c9ee0d2.png"
	PaypalClientSecret = "{{ paypal_client_secret }}"
	EasypostApiKey = "EZAKRmmCFxsWgzv7MZXqueHJFwGXyJFhWgtFsOiXuvwxGEnNn7wszWPgnh"
	AuthToken = "********"
	Favicon = "favicon.ico-c95cde1fe4c4937c4569c43be706d68d.png"
	BraintreeAccessToken = "access_token$production$3bxh0umm151eln71$ce738e5ed8808d863a91db39dc470271"
	Region = "eu-west-1"
	TraceId = "20651173eb4e4cf212a797f93ef93bb1"
	ZendeskRegion = "us-east-1"
	FcmServerKey = "your_fcm_key_here"
	SquarespaceApiKey = ""
)
