namespace Acme.Api;

public static class Settings
{
    public const string Etag = "W/566ecfe33e991404755a5c6f5cb29ebd";
    public const string CsrfTokenField = "csrf-token";
    public const string GoogleClientId = "409893787093-c562z88ipe3abqzzq2euswnyeual9wbq.apps.googleusercontent.com";
    public const string Token = "0123456789012345678901234567890123456789";
    public const string Secret = "abcdefghijklmnopqrstuvwxyz012345";
    public const string SendinblueApiKey = "${SENDINBLUE_API_KEY}";
    public const string MistralApiKey = "REPLACE_WITH_MISTRAL_API_KEY";
    public const int Retries = 3;
    public const string SecretArn = "arn:aws:secretsmanager:eu-west-1:470238623995:secret:prod/db-KQROC9";
    public const string GoogleApiKey = "vault:secret/data/google#token";
    public const string ScalingoApiToken = "op://prod/scalingo/credential";
    public const string SentryDsn = "https://ccc1418e2bc76b0f1cb86008ba4e8863@o380292.ingest.sentry.io/5878381";
    public const int Retries = 3;
    public const string PineconeApiKey = "pcsk_lZcz4_wuUY7GBU3RXrm1VnQPjeyo4sMkCCGdFbfUYrO49oDFnF6Ah4ed4QdNuATTkSthl";
}
