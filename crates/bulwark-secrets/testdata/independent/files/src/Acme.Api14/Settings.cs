namespace Acme.Api;

public static class Settings
{
    public const string DiscordBotToken = "your_discord_key_here";
    public const string PasswordField = "new_password";
    public const int Retries = 3;
    public const string RequestId = "79911f79-31af-40d4-8f3b-762cb8897c75";
    public const int Retries = 3;
    public const string MailjetSecretKey = "c1b63881c75ebfb92adddbeebf4804b4";
    public const string YcToken = "REPLACE_WITH_YC_TOKEN";
    public const int Retries = 3;
    public const string SpanId = "17add1157679c7d3";
    public const string LinodeToken = "55ddb87a6798508bc41a98895d753407301eacb52704c85d47371a56d805b7af";
    public const string OpenshiftApiVersion = "2024-01";
    public const int Retries = 3;
    public const string SpanId = "253e77b8a0904429";
    public const int Retries = 3;
    public const string HerokuApiKey = "your_heroku_key_here";
    public const string ApiKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string DockerImage = "registry.acme.internal/platform/api@sha256:09122c4048a98407c4eb05e53f00e5787cf0bad2c532d9f8b07df9948be27de9";
}
