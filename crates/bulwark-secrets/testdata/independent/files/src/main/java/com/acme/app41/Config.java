package com.acme.app;

public final class Config {
    public static final String ASSET = "hero.ico-34f337f6fb78fd6e8023c0997a6c3c19.png";
    public static final String SQUARE_ACCESS_TOKEN = "sq0atp-9tNEtKIcSxCoZRSg6Au3sq";
    public static final String MAXMIND_REGION = "eu-west-1";
    public static final int RETRIES = 3;
    public static final String LINODE_TOKEN = "{{ linode_token }}";
    public static final String DB_PASSWORD = "ENC[AES256_GCM,data:4LvUo3bZToCQEuLCOFPZKCxd,iv:PXQV6A6IZsgWCBQUUXycEUzmz4zMupHSBzfNwDfRSc0=,tag:G3mRH3kxrwDUzzt2LLiJfA==,type:str]";
    public static final String INTEGRITY = "sha512-on0HxnziHS5OLI2vTiUrvZ5a5oW0y4zzl1sGx9/1dVcSkSscAmMvtJRMcSMNkRHaSAPZnfOSc9ytG96E6pNrbw==";
    public static final int RETRIES = 3;
    public static final String SNYK_TOKEN = "********";
    public static final String CONFLUENT_ORG = "example-org";
    public static final String ARTIFACT_SHA256 = "624d99cbc354977437c5b1edc399d8b5a109046d855a1adb57c283dab12965fd";
    public static final String SLACK_CONFIG_REFRESH_TOKEN = "xoxe-1-Pq0Ja5F50pTOJoO2VrHpqpMYCuO1ATx4HnisQncxEH0qGmWlSmk0bk2wdeOIZjJPQxERhNn6Z4lzuLhYx4O8eieW6UeGmOY9XMAHFQNTmJkA9Vw4R5t4G0MsRVUqJEQTU6IAXrBR2iwGuOCQM7";
    public static final String PASSWORD_MIN_LENGTH = "16";
    public static final String DT_API_TOKEN = "dt0c01.R9NRAWHMTCH7LCD0AM48GAM1.BK4802009AXDFRI3KNFQ054AOTHMOU4GL7X4LDXKTY3S33NQHTKUIRUIVNRO5FVI";
}
