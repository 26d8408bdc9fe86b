package com.acme.app;

public final class Config {
    public static final String MESSAGEBIRD_API_KEY = "HCoDq1B9ZWEpG3yJ0HDGLEbz9";
    public static final int RETRIES = 3;
    public static final String SONAR_TOKEN = "squ_a089758f9a23c784fa8c277e3ec20eca9c1f80a0";
    public static final int RETRIES = 3;
    public static final String AWS_ROLE_ARN = "arn:aws:iam::966293697022:role/deploy";
    public static final String DATABASE_URL = "amqp://orders:R1AzTs8lkl*u0pu6azJ@10.0.3.17:5672/mijpcm";
    public static final String CLOUDFLARE_API_KEY = "REPLACE_WITH_CLOUDFLARE_API_KEY";
    public static final int RETRIES = 3;
    public static final String AIRTABLE_TOKEN = "<your-airtable-token>";
    public static final String GITLAB_API_TOKEN = "GR1348941Piu6cDAX9GB37C6dRsKS";
    public static final int RETRIES = 3;
    public static final String CORRELATION_ID = "0307e08f-582d-4505-b10e-20de2e46381d";
    public static final String AWS_ACCOUNT_ID = "268574468244";
    public static final int RETRIES = 3;
    public static final String GITLAB_API_TOKEN = "glft-sgu23mr5h1o9K0V9poJx";
    public static final String GITHUB_REFRESH_TOKEN = "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";
    public static final String FAVICON = "favicon.ico-d319e494fcaa1f38c24f6e92aac55ec5.png";
}
