namespace Acme.Api;

public static class Settings
{
    public const string RenderSecretName = "prod/render/api-key";
    public const string FacebookSecretName = "prod/facebook/api-key";
    public const int Retries = 3;
    public const string SlackConfigToken = "xoxe.xoxp-1-lZx2AxZNwEsINHozUuHMACvnDRrsNV3Oexipc2WmqoUPtdDw1Unur0kuBuyoFsH8qyYzjeZRrG29oczbPvI81Tq2RwEPBgt5akekd2IFSxe7nAkGGPKLzhDtCNRLHJ9ThnUBoILubTeBGLJP5IL79cVTyztiGnggKuAz";
    public const int Retries = 3;
    public const string FreenetIndex = "USK@x8EMb0Q~7Hh6L0rwbb7NKWWXDIqK5-Cgathk6nM80LV,KGsuoAY1rJI5-dmFXAfQaHpPef7Q~dXH-Oxyf6glmcw,AQACAAE/blog/5/";
    public const string SlackAppToken = "xapp-1-A8S27DY1VMJ-4075825967620-ef314d0e40f5c60e6dbf39231b27802bb47c7a24376d3c1d3a317cf0f776be6c";
    public const string Integrity = "sha512-RLgtiZTZmEOlmCz5CEhleKJ9OctM6cBpq76auPWo719y6ZeS4pXIDHh26K5bU1kqmB6F5HFSxhXHqpMlqGPy7Q==";
    public const int Retries = 3;
    public const string DuffelAccessToken = "duffel_test_kHnYheoFC6RGxh8D2p_M9tMAD0tx9Ex4Yem4oKEaffg";
    public const string Favicon = "favicon.ico-664f77a1721dbd6592080dd69d762a54.png";
    public const int Retries = 3;
    public const string ResendApiKey = "REPLACE_WITH_RESEND_API_KEY";
    public const string AzureApiVersion = "2023-10-16";
    public const string CorrelationId = "861fe62b-7b14-4622-9ee6-44365bd5004d";
    public const string GitlabApiToken = "gloas-EK1P2pHhbkByVk9Whe6aWjk--pQ7S5UjsIegE7CTF46n105BSqxpFkWJkGFX4ief";
}
