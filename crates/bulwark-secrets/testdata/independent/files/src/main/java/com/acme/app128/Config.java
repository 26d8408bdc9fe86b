package com.acme.app;

public final class Config {
    public static final String ALIBABA_CLOUD_ACCESS_KEY_ID = "LTAIOnh9rJWoafvTB56TcDFj";
    public static final int RETRIES = 3;
    public static final String INTERCOM_USERNAME = "ci";
    public static final String PAGERDUTY_API_KEY = "y_u4SANXbxamWdZVlPrV";
    public static final String CACHE_BUSTER = "ab4c493d32bb23c1919b";
    public static final String AWS_ROLE_ARN = "arn:aws:iam::760045072834:role/deploy";
    public static final String GOOGLE_API_KEY = "${{ secrets.GOOGLE_API_KEY }}";
    public static final int RETRIES = 3;
    public static final String ETAG = "W/debbccdb42c787b07d1e631e1b5d4c04";
    public static final String SSH_HOST_KEY_FINGERPRINT = "SHA256:ZrFJi99iAKClpsAS1YT+chXZt6ijVYKkjWMhf8kEoE8";
    public static final int RETRIES = 3;
    public static final String OPSGENIE_API_KEY = "da69bf92-f50a-4eff-8c6b-624a5b8fee95";
    public static final String SQUARE_ACCESS_TOKEN = "sq0atp-9tNEtKIcSxCoZRSg6Au3sq";
    public static final String POSTMAN_API_KEY = "PMAK-e2b193f83b24929763fd21f8-2f748b18c74dce286ebb4503715a0f0174";
    public static final String WEBPACK_CHUNK = "static/js/main.a0a1478b.chunk.js";
}
