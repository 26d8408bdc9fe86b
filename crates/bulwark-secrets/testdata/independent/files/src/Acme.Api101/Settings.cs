namespace Acme.Api;

public static class Settings
{
    public const string TravisApiToken = "${{ secrets.TRAVIS_API_TOKEN }}";
    public const int Retries = 3;
    public const string GitCommit = "256934228f7543869af77d500d681f55a1ff33d5";
    public const string GpgFingerprint = "7DEC82A42A699E437E6F9B57E2548A7722E8E345";
    public const int Retries = 3;
    public const string AtlassianApiToken = "ATATT3JylBgsfjIn0_2szfroGYi2OMYJ-LGr6YhlZAoix1hqEySgGCQEFYCjFgQ_AuEb3nfXeqRqezJ1Ga616iqJuIiDsV1P5EpZLVlXZOmGOMonSNZZjBxLfz-U44jv8PPu0izvn_cy3fnfUt4_4BI4K6-XCtW74Nokj5DzNKBTh3iNnm78V88=620C427F";
    public const string ChecksumMd5 = "633cb0ac69f43cd2d544967ff7afa28b";
    public const string SumoAccessId = "suXr0kB1FPQeiu";
    public const string ReadmeApiKey = "rdme_1n6lv0d2hd2wuqh9d26tim3e777sk88r1c0evseox1xducfxtmgvesd2y56yaw7rt0pye4";
    public const string ApiKey = "ENC[AES256_GCM,data:djU4uJZ1Vke3HDaJ1r412MglIf9+JTt4,iv:+8HuE07njyT9AuV4FpNVR75KsSo8Lj7J8PhoMliI38g=,tag:9UvLZk16aK78/HEIXb4QmQ==,type:str]";
    public const string DeepseekApiKey = "sk-d3db7aa0f8fe60122d025d8ae052cbf7";
    public const string SecretKeyBaseFile = "/run/secrets/secret_key_base";
    public const string AzureStorageConnectionString = "";
    public const string SriHash = "sha384-djO4rCpSIEdsrJBjS7leJt3NlQ5XKtuQSTU4jIiExy7ndzb4Jw6Z+2AiRwd3c7sa";
}
