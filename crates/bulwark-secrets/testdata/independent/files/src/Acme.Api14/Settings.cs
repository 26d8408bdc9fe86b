namespace Acme.Api;

public static class Settings
{
    public const string WandbApiKey = "add8222703cfa07754b72708bbcb4dece54364dc";
    public const string DtApiToken = "<your-dt-token>";
    public const string SriHash = "sha384-e8gEkOOfVSKuLa66SZmyRt7rifpOF/fjWmRi2NfijYB6rJK07pEBO7aZDX1L2gry";
    public const string WebpackChunk = "static/js/main.1d27ad0a.chunk.js";
    public const string Favicon = "favicon.ico-963dd3ac580f3757d80d9245ef8ed694.png";
    public const string CargoRegistryToken = "cioBKpGlTAqq8YDpK7pEhKQOwBIJ3hKqbPb";
    public const string ApiKey = "ENC[AES256_GCM,data:O7r2QdCMUYQ91Ch5V7CwceB9MUs4GQby,iv:qmS8ZYWnY6bwZpbceNAGK6Zepdo1Jaw7hk1znfy0KdU=,tag:0WlmkjbNG6/y8MuWVFRttw==,type:str]";
    public const int Retries = 3;
    public const string SshHostKeyFingerprint = "SHA256:r4UqAofEAu9yO6i4BUQKX7/W8TJnVmkn/ktPDToVI8w";
    public const int Retries = 3;
    public const string ArtifactSha256 = "622ec42de2ae6888ba8a03773b1b47cea248e4fc8e73013a17ff6190c6fe0212";
    public const string MapboxPublicToken = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICJpcXEza2h3cDlpMnhhbmV0bTkzaTlmdTlkIn0.n3jNQt_OIuwkqwp6J8MW5o";
    public const string TelnyxApiKey = "arn:aws:secretsmanager:eu-west-1:972503593910:secret:telnyx-620Zes";
    public const int Retries = 3;
    public const string OpenrouterApiKey = "${OPENROUTER_API_KEY}";
}
