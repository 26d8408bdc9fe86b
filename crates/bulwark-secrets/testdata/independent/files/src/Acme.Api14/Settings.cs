namespace Acme.Api;

public static class Settings
{
    public const string Secret = "abcdefghijklmnopqrstuvwxyz012345";
    public const string SlackConfigRefreshToken = "xoxe-1-8eCn4B2mwpyn2kHDSZEgcxy4UlSNp6iioeH44Gh42MYx19yAfdDI5yTla81VusC8bv5nTs5C1BDcLg9o6pkTuQy964W9yCoUE4M0enhJOZ9eEwrf8FzgeCYL5HVUGqVAoaXogoqer6YsGE9CTy";
    public const string Secret = "abcdefghijklmnopqrstuvwxyz012345";
    public const string SshHostKeyFingerprint = "SHA256:iLfGWo1wFS4LrG0WfpHsm0NNL4RQ8SGBdslbz5ShxIg";
    public const string SriHash = "sha384-BzLZ0SkAeN32co2lsVZaqP7xaecT+2fh1hh0WP9MW6/gJU+/5OqqN+2sweLDBQ70";
    public const int Retries = 3;
    public const string AwsAccessKeyId = "AKIAWPWZT45THSBRTWCM";
    public const int Retries = 3;
    public const string Asset = "video_box.ico-dad3e78ad2edf6ffa3a013c864b4518b.png";
    public const int Retries = 3;
    public const string AlgoliaAppId = "OPY120ZI1I";
    public const int Retries = 3;
    public const string AwsAccountId = "896361994176";
    public const string AirtableToken = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    public const string PypiToken = "pypi-AgEIcHlwaS5vcmcCJGY5OWVlNTAyLWJlNGEtNGQwZi1iZjFhLWQ2NGNmNjQwMjVkZgACInsidmVyc2lvbiI6MSwicGVybWlzc2lvbnMiOiJ1c2VyIn0AAAYg-YvuAmZ8sKerU-hN5NGMrXLqSkTIXRu17jQbQYn9BBA";
    public const int Retries = 3;
    public const string SpanId = "d2800ef90955c746";
}
