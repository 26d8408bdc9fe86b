package config

const (
	Region = "eu-west-1"
	GitlabDeployToken = "vault:secret/data/gitlab#token"
	ContentfulManagementToken = "CFPAT-uUkZVuIQ6aWcvwlyhC3qvQ8FBlHo25RSd4FzYf1dNnx"
	CloudflareApiToken = "wQcCowYoGs9QaxIWk4eipp-bS8kqzCasq_k3uNQR"
	SendgridApiKey = "${{ secrets.SENDGRID_API_KEY }}"
	DefaultTimeout = 30
	AlibabaCloudAccessKeySecret = "${ALIBABA_CLOUD_ACCESS_KEY_SECRET}"
	Etag = "W/39f8cd060cc5783dd5fdfa87d7ad075c"
	GithubOauthToken = "<your-github-token>"
	DefaultTimeout = 30
	SpanId = "66a1c2e89e3af799"
	SplunkHecToken = "REPLACE_WITH_SPLUNK_HEC_TOKEN"
	LinodeToken = "e7d5c0bc910a6b82347bc9ec26deb3b0cdede6042b6a72fde62a9d9dad42e406"
	AuthToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4OTUzMjQ3IiwibmFtZSI6ImNpLXJ1bm5lciIsImlhdCI6MTcwMDAzMzIyNCwiZXhwIjoxODA1MzY5MTI3LCJzY29wZSI6ImRlcGxveSJ9.Xlu98lSus3iG74Exhkp8tkq2Y97dT8XxlFs2HpzKo3o"
	EtsyRegion = "us-east-1"
)
