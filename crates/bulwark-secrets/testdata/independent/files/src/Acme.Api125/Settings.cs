namespace Acme.Api;

public static class Settings
{
    public const string WebpackChunk = "static/js/main.a31cd1d1.chunk.js";
    public const string BuildId = "271e99a8b444c64f24c9b776ad921651";
    public const string FastlyEnabled = "true";
    public const string ResendApiKey = "re_GK1mteoU_dU8vSy2bUilafBADe23IJNzT";
    public const string ArtifactSha256 = "18364a374bcdfa0e5d96516453aad9befcf1e96923db97e8b23aa2f7a17e1c4f";
    public const string ChecksumMd5 = "2e7e765dba23509799330aba4705ab6b";
    public const string AccessToken = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
    public const string AzureStorageConnectionString = "arn:aws:secretsmanager:eu-west-1:030402976242:secret:azure-ymtmkL";
    public const string CloudflareOriginCaKey = "v1.0-4e4fc2b192dbbaefff37e02a-47db38530443e585ac3159771c0c8c816aa11aab4c3438a0f75f49bf80ead32ce2cc7742fb93c50b7089a544cff29f8542d4d956dcfc0bff09cb59dcdfc815f15ca987ab231bba79aa";
    public const int Retries = 3;
    public const string OpenrouterApiKey = "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";
    public const string DockerImage = "registry.acme.internal/platform/api@sha256:ab851b887fe412655cd08a749608c7deff311144d092b1536e99d598f6b24c6f";
    public const int Retries = 3;
    public const string MattermostAccessToken = "1ke8qh0k1z8z78nenni3uxoi62";
}
