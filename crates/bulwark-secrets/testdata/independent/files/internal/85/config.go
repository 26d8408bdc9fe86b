package config

const (
	FirebaseApiKey = "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"
	PasswordMinLength = "8"
	HubspotApiKey = "$(HUBSPOT_API_KEY)"
	DefaultTimeout = 30
	Version = "4.5.50+build.87cb68b"
	DockerImage = "registry.acme.internal/platform/api@sha256:81b4cb21e364b831da731b58834279b02ca8e9c79c9097ccab2e20a224e34f33"
	GeminiKeyRotationDays = "30"
	DefaultTimeout = 30
	AlgoliaAppId = "1VI0NHWY9S"
	AwsBearerTokenBedrock = "ABSKQmVkcm9ja0FQSUtleS05aTF6eC1hdC01ODExNDg5Njk1MjQ6dEkxZWkxcEJJOStQY2Z5SkJrMlBHUUFpd2tlcjc2VW1BNlkvcUNKb2M5UzhHZ2I3bFJWVjEzRTA0cThQ"
	Region = "eu-west-1"
	Asset = "logo_dark.ico-6e9ca7d080d7d365aadb7e58555a7692.png"
	Region = "eu-west-1"
	ElevenlabsApiKey = "sk_a06196ac5250c9154836e4b2c470d52cc44f1ad4eb58e589"
	ApiKey = "ENC[AES256_GCM,data:BUtG08AZ2EFAUBTZzExHJyJMfjz/YR8d,iv:Y6/P0tvOYsVnFMNay7Yu75Li6eGrqlPZKTUEW6qTOks=,tag:9Rfuy/LJ+XjbLPLpt1JKGQ==,type:str]"
	OktaApiToken = "<OKTA_API_TOKEN>"
)
