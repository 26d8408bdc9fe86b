namespace Acme.Api;

public static class Settings
{
    public const string SentryDsn = "https://6e6263f147db3193eaec4b37bef395fc@o124000.ingest.sentry.io/6329611";
    public const string TokenUrl = "https://auth.example.com/oauth2/token";
    public const string AwsAccountId = "118258026579";
    public const string PostmarkServerToken = "8b8c363d-8f87-4cb5-812e-94a3b306cc44";
    public const string SlackAppToken = "{{ .Values.slack.token }}";
    public const string LinodeToken = "24704cd6452a4d32c4eb55a2d629189e34b889cbf9c78e46c17abdc796bc7a24";
    public const string MailjetSecretKey = "1e9bccb82615d406397521cb80a944d4";
    public const string ZendeskApiToken = "{{ zendesk_api_token }}";
    public const int Retries = 3;
    public const string DiscordWebhookUrl = "";
    public const string PusherAppSecret = "cb4ad3bfa2473a41f52f";
    public const int Retries = 3;
    public const string MailgunApiKey = "${{ secrets.MAILGUN_API_KEY }}";
    public const string StripePublishableKey = "pk_live_ex16FPXuUuwqXP1psReRXZQE";
}
