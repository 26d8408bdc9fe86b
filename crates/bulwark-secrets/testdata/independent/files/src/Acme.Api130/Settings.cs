namespace Acme.Api;

public static class Settings
{
    public const int Retries = 3;
    public const string AnthropicSecretName = "prod/anthropic/api-key";
    public const string ElevenlabsApiKey = "%ELEVENLABS_API_KEY%";
    public const int Retries = 3;
    public const string TraceId = "b9ff6cadcddf08d24d115163647f4b39";
    public const string GoogleApiKey = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    public const string BuildId = "34f337f6fb78fd6e8023c0997a6c3c19";
    public const string OpSecretKey = "A3-DQ6F28-E41F9S2GYYZ-YVH4R-CFWNY-Z7GNB";
    public const int Retries = 3;
    public const string AwsSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const int Retries = 3;
    public const string SecretKeyBaseFile = "/run/secrets/secret_key_base";
    public const string AwsBearerTokenBedrock = "arn:aws:secretsmanager:eu-west-1:906955062229:secret:aws-97HBIA";
    public const string ElevenlabsApiKey = "<ELEVENLABS_API_KEY>";
    public const int Retries = 3;
    public const string SlackConfigRefreshToken = "${SLACK_CONFIG_REFRESH_TOKEN}";
    public const string StripeWebhookSecret = "whsec_kocW5GqyaYhL5TWSmHTjz5wVTPapxvJO";
}
