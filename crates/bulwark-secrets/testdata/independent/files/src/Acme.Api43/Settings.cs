namespace Acme.Api;

public static class Settings
{
    public const string AzureOpenaiApiKey = "1d58173b7e091a5f4c11ef795d1b5c68";
    public const string Asset = "video_box.ico-1133712dba116a8b9f128604130c8caf.png";
    public const string TypeformAccountId = "11405195";
    public const string AwsBearerTokenBedrock = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFTSUFJSElMVldaNlROUUVIQ0RSJTJGMjAyNjEyMDElMkZ1cy1lYXN0LTElMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjEyMDFUMTAxMDEwWiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNlY3VyaXR5LVRva2VuPVFlekw5TEV0UXZxNjBvVm9BK214RGRKb2tLU05tckwzdXMxUTRidXhhUGlOK0QyWWZHaFA0K01RQUg5ekFxSHFQeXJRVWYwS2xhTWMzU1UvT0o4dUVaL2xIN0tJeXgrZUdUNXV0Yzc4TDE1K1JzOEZUeVVUNHhLRTNPclVPdVdmd0M3WGplYUZDM0oxaDBpOTF4bVhwYXNhVUY2M3huaFImWC1BbXotU2lnbmF0dXJlPTllODRiZDY3ZTc5NmMxZmUyOTQ5ZjgxN2Y2NjExMjdkODRiYTViNzJhMGZjMDRkM2VmNTM1YWJiNzdlNTM4NjYmVmVyc2lvbj0x";
    public const string Jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    public const int Retries = 3;
    public const string PerplexityApiKey = "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";
    public const string AuthTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public const int Retries = 3;
    public const string AkamaiTimeoutSeconds = "5";
    public const string SentryAuthToken = "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";
    public const int Retries = 3;
    public const string ScwSecretKey = "<SCW_SECRET_KEY>";
    public const string ArtifactSha256 = "1f1fa58237c7a5e70a8219c68fe488245ed300ac538cc44668c7a23d6f6c0253";
    public const int Retries = 3;
    public const string GeminiApiKey = "{{ .Values.gemini.token }}";
}
