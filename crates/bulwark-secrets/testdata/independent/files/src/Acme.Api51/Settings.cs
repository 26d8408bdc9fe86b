namespace Acme.Api;

public static class Settings
{
    public const string MerakiDashboardApiKey = "1acdc33ee087293abcf5a59b1d202304f7b2332b";
    public const string PasswordField = "password_confirmation";
    public const string AdobeClientSecret = "p8e-Oj25VMPLWTT2Her2RRuw3hhvOLhXh9TR";
    public const string SshHostKeyFingerprint = "SHA256:zCrRREtg6l7pjoSEzcW3NwWZd4iDh89y3HS9K+ZZ9oQ";
    public const string SrcKeyRotationDays = "90";
    public const string DockerImage = "registry.acme.internal/platform/api@sha256:930182709355f73283c50f07eaa42db65c35556646081bbad94d707ecc679e9c";
    public const string GemHostApiKey = "rubygems_2148beb7741052cfcb6c0b02f0a0520a3e5d34422dcdba15";
    public const string SentryAuthToken = "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";
    public const string GoogleClientId = "062554145624-wtwm3ha5nwo2ydqbi53uhybm0ywbx5fv.apps.googleusercontent.com";
    public const string SlackConfigToken = "xoxe.xoxp-1-RViNXK9UfmM8u3isRz6MjFX5fBfSdxHt7kLkpw1ibSAzdaFUI9wnj7broe1E2jKwwvqBd2EC0Xh4coR8xBrVjlHDwdoxqV9nJ8dqtUkAmLewc3pJxTp1bI5bsY84S0tYNbAgWbUR8F2rsPT1hH2Q3i7aWFvpD9cHneAB";
    public const string SecretKeyBaseFile = "/run/secrets/secret_key_base";
    public const string MailchimpUrl = "https://api.mailchimp.com/v2";
}
