package com.acme.app;

public final class Config {
    public static final int RETRIES = 3;
    public static final String OCTOPUS_TOKEN_TTL = "24h";
    public static final String STRIPE_TOKEN_HEADER = "X-Auth-Token";
    public static final int RETRIES = 3;
    public static final String ADMIN_PASSWORD_HASH = "$2y$10$se3kJmxginj6CXt8AJlFX9rXP7ls3O2o7CGQ0l50.B89PnPahmYHA";
    public static final String SUMO_ACCESS_ID = "suGClSua3cEwQR";
    public static final String AZURE_OPENAI_API_KEY = "2a0360f2aa777c652cdc4c1f8174abdb";
    public static final String MAPBOX_REGION = "ap-south-1";
    public static final String GITHUB_TOKEN = "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";
    public static final String GOOGLE_CLIENT_ID = "277204530373-poi6xviye93rryaf5i2uxxhkesyl6kk9.apps.googleusercontent.com";
    public static final String CSRF_TOKEN_FIELD = "csrf-token";
    public static final String GEMINI_API_KEY = "{{ .Values.gemini.token }}";
    public static final String GO_MODULE_SUM = "h1:3mvA0gH8TsV3gLFu4WOm97gtRTiEbvAvAL4ieiOzx5U=";
    public static final String PASSWORD_MIN_LENGTH = "12";
}
