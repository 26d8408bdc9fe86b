package com.acme.app;

public final class Config {
    public static final String TOKEN_URL = "https://auth.example.com/oauth2/token";
    public static final String CSRF_TOKEN_FIELD = "csrf-token";
    public static final String ARTIFACTORY_API_KEY = "{{ .Values.artifactory.token }}";
    public static final String API_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public static final int RETRIES = 3;
    public static final String DEEPSEEK_API_KEY = "sk-61336b631b4b49ec09b2294826aff7fa";
    public static final int RETRIES = 3;
    public static final String OPENROUTER_API_KEY = "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";
    public static final int RETRIES = 3;
    public static final String ADMIN_PASSWORD_HASH = "$2y$10$.XXHUUvSE1S5wLfvtHSWw.C0wdpUT1LvOu/zRho8Oy7Vl4Iy9RRTo";
    public static final String LOGO_PNG = "data:image/png;base64,NGqHT1MpCROYS93l9mt6o6fCmWV1Dd7r9MxprRUkqLiO2BTIW7qZxTEwCcpgfLpTboT75j7EfJmZYAgB6jTxjBftgEJNgdjdBfeP1E50DJcR5Oae7MIvXaur";
    public static final String AUTH_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public static final String TWILIO_ACCOUNT_SID = "ACefdbf5d32f9278ff95f07dc7c86546f6";
    public static final String SRI_HASH = "sha384-mf6S9gqr/S+/HhUnNc4QPir39lNCThpd8yuq+rHRAJxOKgtr7S5+xt4kmkQdvNHZ";
    public static final int RETRIES = 3;
    public static final String GITHUB_OAUTH_TOKEN = "<your-github-token>";
}
