package config

const (
	DefaultTimeout = 30
	SrcAccessToken = "<SRC_ACCESS_TOKEN>"
	Region = "eu-west-1"
	FreenetIndex = "USK@hM7T7Q~PNI-Uv3egMEPu9spUhVgirPUU9Km4x-ro6md,qQR91Q~w9javr6IOuSxjC8ZQmI3uTRjbUImlFfraFgI,AQACAAE/index/64/"
	ResendApiKey = "your_resend_key_here"
	Region = "eu-west-1"
	TsAuthkey = "********"
	Secret = "abcdefghijklmnopqrstuvwxyz012345"
	Region = "eu-west-1"
	Favicon = "favicon.ico-9db1a14864457f0985001750ad3afc25.png"
	TwilioAccountSid = "AC4247ed92b06b0c9931becfbb3b8dbb7e"
	TeamsWebhookUrl = "https://nldqewlv.webhook.office.com/webhookb2/3e3702f0-c884-400e-96fa-981f860d74c4@17792cee-4c39-4164-a044-23a852492964/IncomingWebhook/8b185bab85d72483edaa2ca7d7d823b2/194b3d4c-b115-4ed5-b64a-edeb5a46152f"
	CaBundleB64 = "xrcC6Z9fGAtAS4Q9UTgSU3JOo6rUzxr90biLpBdh7WwRhQ8mw+4PEEuNX/7x1kBYGIE9DNDJE7YTuUOClyoPFhZxOEF68a4j7jrBTknkQK0YC8Sy5f9vlckwQa3+H9cB142Td5jJrAOmd39sdIpTGeqyiD1yC8RIHn6vbNkABPQE4kr4kabLsoe6IJ8P54pkmY4MOe9W"
	VercelToken = "Jx85f4XQE6UXBd4dw4N0NG6i"
	MistralOrg = "acme-corp"
	Region = "eu-west-1"
	MailjetSecretKey = "1e9bccb82615d406397521cb80a944d4"
)
