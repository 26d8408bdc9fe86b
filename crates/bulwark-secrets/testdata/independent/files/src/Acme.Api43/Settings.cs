namespace Acme.Api;

public static class Settings
{
    public const string GitSha = "8047d6033e9c4ec1e234f3daf8dd2901787f901e";
    public const int Retries = 3;
    public const string TfeUsername = "platform-team";
    public const string ChecksumMd5 = "cac90333e1f2f3022d092e4af0e9a9c7";
    public const int Retries = 3;
    public const string PasswordMinLength = "16";
    public const string TraceId = "49bdd539530f6392d779692f7cfdadfc";
    public const int Retries = 3;
    public const string DockerImage = "registry.acme.internal/platform/api@sha256:97a5f43b1b124abbf93e5f43e302e4aaf38e5f2054e8a5b527fca38d5ba20b83";
    public const int Retries = 3;
    public const string AgeKey = "<AGE_KEY>";
    public const string DockerhubToken = "dckr_pat_jNTRNBvDO9pJ-5Q5tmclQU3Mu5c";
    public const string GoogleAccessToken = "ya29.upvon5WaEJ6ZAHfc9z9654L1vMGVA-j0Cz18o5u7jRLscslLcjg5obRTApWhLEhAmEnM4b6rpkzKrMZQJx5ns2tn17BPxbeuys46cKWkoWmozu7L3_cn6xh6SatzS7_CSUcR3yvvgzEjoqi6DQmZua";
    public const string AgeKey = "%AGE_KEY%";
    public const int Retries = 3;
    public const string ReplicateApiToken = "changeme";
    public const string ElevenlabsApiKey = "sk_234b7b81c1d1a3c33b86f8c65c4c29fbb3510fde90be8d04";
}
