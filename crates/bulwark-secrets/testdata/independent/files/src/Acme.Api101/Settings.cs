namespace Acme.Api;

public static class Settings
{
    public const string GoogleClientId = "380616912150-f5kk5h8yn687u2xaug3x6h29lyyacp7e.apps.googleusercontent.com";
    public const string CacheBuster = "407c35df2043a7121435";
    public const string SecretArn = "arn:aws:secretsmanager:eu-west-1:383420465536:secret:prod/db-ZtZLrd";
    public const string NewRelicApiKey = "a4be319f084ce5404af1012a7409ca2b6686NRAL";
    public const string PusherAppSecret = "REPLACE_WITH_PUSHER_APP_SECRET";
    public const int Retries = 3;
    public const string PusherAppSecret = "a9138549f2f1ebc91830";
    public const string GithubToken = "op://prod/github/credential";
    public const string GoogleApiKey = "AIzaaVxnkfRdREtJ4pt3F3rEFUX0acEbyXgiVY9";
    public const int Retries = 3;
    public const string ArtifactSha256 = "762876b1c1713a164db07feb7a82a7ce01323755bc959656eece4c8d89df620b";
    public const int Retries = 3;
    public const string Token = "0123456789012345678901234567890123456789";
    public const string AwsSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$yUFVbWXChe6EkqTftEHgAQ$PTqq4M7IbX9PEHQ1x7n9iCCMgZArg387X4xqUqg07Zo";
}
