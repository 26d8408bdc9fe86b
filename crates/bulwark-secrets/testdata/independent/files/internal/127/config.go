package config

const (
	Region = "eu-west-1"
	BraintreeAccessToken = "access_token$production$ebs15ukirf5n4p4w$a5af28abecc11f55a2b25a680902c1b6"
	ConfluentRegion = "eu-west-1"
	Region = "eu-west-1"
	Token = "0123456789012345678901234567890123456789"
	ConfluentCloudApiKey = "${{ secrets.CONFLUENT_CLOUD_API_KEY }}"
	AzureStorageConnectionString = "DefaultEndpointsProtocol=https;AccountName=9ipae76ymguq;AccountKey=EuuJ14n3WrdnDBL+DKuU6P95wHrusfUnqEHf36Y0GL8FFPHxDWAMSWUaXrSk+qJF40pHHi9fuSmz5wUUYzWEXg==;EndpointSuffix=core.windows.net"
	PasswordMinLength = "12"
	FreenetIndex = "USK@LIlO6Vdb7Q~cPCZU9gNVrn973otSEbtaPm5X1vUhk8v,m1rpNGdnT3wA4zUK5P64n2Q~0AfPqjgHP7~iQXdoeZ1,AQACAAE/index/13/"
	Version = "2.17.43+build.ef451dc"
	AgeKey = "AGE-SECRET-KEY-1D06UT7QP2AT6ZKTAJMDG2WR7TL658VADATF7FZK56LWFZXUFT4RQ0H45LT"
	ContentfulManagementToken = "CFPAT-uUkZVuIQ6aWcvwlyhC3qvQ8FBlHo25RSd4FzYf1dNnx"
	ElevenlabsApiKey = "sk_6f6c792234b7b81c1d1a3c33b86f8c65c4c29fbb3510fde9"
	GrafanaKeyRotationDays = "30"
)
