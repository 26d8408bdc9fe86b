package com.acme.app;

public final class Config {
    public static final String TS_AUTHKEY = "REPLACE_WITH_TS_AUTHKEY";
    public static final int RETRIES = 3;
    public static final String API_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public static final int RETRIES = 3;
    public static final String GOOGLE_CLIENT_ID = "910562250735-j2jlyvuyeus694g8yan1sikyopq282b7.apps.googleusercontent.com";
    public static final String GITHUB_API_VERSION = "v3";
    public static final String VERCEL_KEY_ROTATION_DAYS = "30";
    public static final String CI_RUNNER_TOKEN = "$(CI_RUNNER_TOKEN)";
    public static final int RETRIES = 3;
    public static final String LANGSMITH_API_KEY = "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";
    public static final String DD_API_KEY = "2a5e906d1c6ec449a6dc9555ca7ac0ce";
    public static final String DATABRICKS_TOKEN = "{{ .Values.databricks.token }}";
    public static final String NETLIFY_REGION = "eu-west-1";
    public static final String POSTMARK_SERVER_TOKEN = "";
    public static final String TENCENTCLOUD_SECRET_ID = "${TENCENTCLOUD_SECRET_ID}";
}
