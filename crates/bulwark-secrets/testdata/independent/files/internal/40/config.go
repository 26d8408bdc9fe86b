package config

const (
	DefaultTimeout = 30
	CsrfTokenField = "csrf-token"
	TwilioAccountSid = "ACf70b9be353f03173d4e7929dbe3d2079"
	KrakenPrivateKey = "SVnKPhh25nksa++/RkUFx1bne4g5f22kb6jl01VKeruAL1q7ZW2nIyCUlPrWXKewoO2R3DrrpC6FltkHGh+aYg=="
	AwsRoleArn = "arn:aws:iam::340341102533:role/deploy"
	LemonsqueezyApiKey = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3OTEwOTc3IiwibmFtZSI6ImNpLXJ1bm5lciIsImlhdCI6MTcwNTI2NzU3MywiZXhwIjoxODAxNjYxOTU1LCJzY29wZSI6ImRlcGxveSJ9.gl12DbstbPg4yfYz4U9iXmpTuWUgCuuRIu8xNdj_vKk"
	DefaultTimeout = 30
	GrafanaToken = "<your-grafana-token>"
	ArtifactSha256 = "f219bed28d52d9203f2b89c11cf7789d8da0590fa570f17c7639eec03257966c"
	DefaultTimeout = 30
	AuthTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	AuthToken = ""
	DockerImage = "registry.acme.internal/platform/api@sha256:4b534a40c19fdfa4f19f8bc5232fae313038c6e7fdfd018b0e4685a079599026"
	DefaultTimeout = 30
	GitSha = "5f7f3dce92db74c6338192345408eef0628110c9"
	AlgoliaSecretName = "prod/algolia/api-key"
)
