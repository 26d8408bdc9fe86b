package com.acme.app;

public final class Config {
    public static final int RETRIES = 3;
    public static final String RENDER_API_KEY = "{{ render_api_key }}";
    public static final String MANDRILL_API_KEY = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    public static final int RETRIES = 3;
    public static final String AWS_BEARER_TOKEN_BEDROCK = "arn:aws:secretsmanager:eu-west-1:906955062229:secret:aws-97HBIA";
    public static final int RETRIES = 3;
    public static final String INTEGRITY = "sha512-Cw5OcbfvFTgFR4sKU+7UfT59VFS6zNORcgx9g/R0dZ6TXNNBAlkaIGNi/javHlA9wwp34ajzhZBXoqbEE3cZzw==";
    public static final String AWS_ACCOUNT_ID = "527695931191";
    public static final String ARTIFACTORY_API_VERSION = "2024-01";
    public static final String API_KEY = "ENC[AES256_GCM,data:1aPMFsSXM8LVXzFL/Xrjpx7qiELL235L,iv:QHetd3/nCsf/S643l05jubKhVFAFp04vIxN8e0EzmI8=,tag:0EwitGvTcLOBLpK33CKKiA==,type:str]";
    public static final String IMAGE_DIGEST = "sha256:51c0e39377409872136e299e24610e3dcbcd40ff7187f558ba36919a3a457a34";
    public static final String POSTMARK_SERVER_TOKEN = "changeme";
    public static final String AWS_ACCOUNT_ID = "196961937179";
    public static final String DD_API_KEY = "b66454bec1fdbe8b6e01aba1dcbc7904";
    public static final String CACHE_BUSTER = "2271e99a8b444c64f24c";
}
