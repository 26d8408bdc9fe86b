namespace Acme.Api;

public static class Settings
{
    public const string Etag = "W/db457a0c2c99bfc1901f9be8adf9f655";
    public const string WebpackChunk = "static/js/main.82d3ad65.chunk.js";
    public const string TenantId = "d31a9299-be28-447f-bda8-6626857c5a03";
    public const string ZapierWebhookUrl = "https://hooks.zapier.com/hooks/catch/4790076/ynknn8/";
    public const string SshHostKeyFingerprint = "SHA256:gnLEBQGaMOaDJfILjtnSk9p40JCfeYSjqDga5MEx3IE";
    public const string ImageDigest = "sha256:9d9da8e02914c4c1d518177f85528a701c0aa8f31be5071f42809567f8c635f5";
    public const string SettlemintAccessToken = "${SETTLEMINT_ACCESS_TOKEN}";
    public const string OctopusTokenTtl = "24h";
    public const int Retries = 3;
    public const string Token = "0123456789012345678901234567890123456789";
    public const int Retries = 3;
    public const string FrameioApiVersion = "v3";
    public const string AlgoliaAdminApiKey = "$(ALGOLIA_ADMIN_API_KEY)";
    public const string TsOrg = "platform";
}
