namespace Acme.Api;

public static class Settings
{
    public const string MailjetSecretKey = "f7fba5af28abecc11f55a2b25a680902";
    public const string FastlyEnabled = "true";
    public const string GitlabToken = "$(GITLAB_TOKEN)";
    public const string CorrelationId = "8bbfae08-4b87-49c7-b09c-bf1eb3765675";
    public const string FcmServerKey = "********";
    public const string IntercomAccessToken = "dG9rOmEyNGU4NTljXzNlZmFfNDMwNF85OTk5XzRmOGI4OGIwNTc3ZDoxOjA=";
    public const string DockerhubToken = "your_dockerhub_key_here";
    public const int Retries = 3;
    public const string GoogleClientId = "138534108155-fbovm14d8li4k6san716o2qmb3kcmvlj.apps.googleusercontent.com";
    public const int Retries = 3;
    public const string NpmToken = "REPLACE_WITH_NPM_TOKEN";
    public const int Retries = 3;
    public const string ArtifactSha256 = "f61db97d1a526bff718fa7c7eec634e73a57cbf652557ab2e1d5756752be1075";
    public const string FreenetIndex = "USK@zouDUs2Q~eJZG4JAJhIhE2pPUprcRwZmLt9ApLmON06,xFLUMfnnu4Q~r4MUbrKGdk~Srrs~hv-PsK3ImWEl0C3,AQACAAE/index/36/";
    public const string SriHash = "sha384-csPAXP9n5g/HBkwTkbwcijDetVZVk4GKExuJK8C1QzUZ56Cgkf2wuEkwMZ8ZyqHc";
}
