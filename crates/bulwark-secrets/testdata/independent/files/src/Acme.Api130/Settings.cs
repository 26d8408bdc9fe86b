namespace Acme.Api;

public static class Settings
{
    public const string FtTokenHeader = "Authorization";
    public const string FtClientSecret = "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";
    public const int Retries = 3;
    public const string CohereUsername = "ci";
    public const int Retries = 3;
    public const string PusherRegion = "ap-south-1";
    public const int Retries = 3;
    public const string BraintreeAccessToken = "access_token$production$7hrrcyo6k3w5xtfv$dddbeebf4804b4ffada712d9915fca61";
    public const int Retries = 3;
    public const string DigitaloceanUrl = "https://api.digitalocean.com/v2";
    public const string DopplerToken = "dp.pt.3huMcDKqAUf487zHYYvik1EJVmBnqub9OFRgczURYbU";
    public const string GoogleClientSecret = "${GOOGLE_CLIENT_SECRET}";
    public const string SlackUserToken = "$(SLACK_USER_TOKEN)";
    public const int Retries = 3;
    public const string FtClientSecret = "{{ .Values.ft.token }}";
    public const int Retries = 3;
    public const string IbmCloudApiKey = "<your-ibm-token>";
    public const string GpgFingerprint = "AC91FA8A1826F91F2592178A5840F03A8DF34145";
}
