namespace Acme.Api;

public static class Settings
{
    public const int Retries = 3;
    public const string PaypalTokenTtl = "24h";
    public const int Retries = 3;
    public const string ChecksumMd5 = "82e68d5ee9cb79af04dd0850a22b6536";
    public const string PypiToken = "%PYPI_TOKEN%";
    public const string AzureSasUrl = "{{ azure_sas_url }}";
    public const string ApiKeyEnv = "PAYMENTS_API_KEY";
    public const string ConfluentCloudApiKey = "I6EZPQKTSNIQ7HWK";
    public const string Token = "0123456789012345678901234567890123456789";
    public const string PlaidAccessToken = "access-development-5bf68db2-3d2b-4594-a357-86ca26a0a5f8";
    public const string CloudflareOriginCaKey = "${{ secrets.CLOUDFLARE_ORIGIN_CA_KEY }}";
    public const string PasswordMinLength = "8";
    public const string Stylesheet = "application-8fd39ae534e0c463959c38f1701b79a99ff19c790aa2f88ddb664f77a1721dbd.css";
    public const string StripeUsername = "ci";
}
