package com.acme.app;

public final class Config {
    public static final int RETRIES = 3;
    public static final String SLACK_CONFIG_REFRESH_TOKEN = "xoxe-1-cbGLD023WUsmfQNJuO7KKI8zq9smlcaFXY6gL9sOHPq0Ja5F50pTOJoO2VrHpqpMYCuO1ATx4HnisQncxEH0qGmWlSmk0bk2wdeOIZjJPQxERhNn6Z4lzuLhYx4O8eieW6UeGmOY9XMAHFQNTm";
    public static final String SENTRY_ORG = "platform";
    public static final String AWS_ACCOUNT_ID = "377283311421";
    public static final String VERCEL_TOKEN = "Jx85f4XQE6UXBd4dw4N0NG6i";
    public static final String AZURE_CLIENT_SECRET = "T6s9Q~4HVunt5TJAN.fY246M8ofDxffgRKY3NCo4";
    public static final String POSTMARK_TIMEOUT_SECONDS = "30";
    public static final String SECRET_KEY_BASE_FILE = "/run/secrets/secret_key_base";
    public static final int RETRIES = 3;
    public static final String SRC_ACCESS_TOKEN = "sgp_c231d482dd1637a4_77baca6dbd554c9d3c7b3b18819e1fd8ac722f1a";
    public static final int RETRIES = 3;
    public static final String SQUARESPACE_KEY_ROTATION_DAYS = "90";
    public static final String HUBSPOT_ACCESS_TOKEN = "${{ secrets.HUBSPOT_ACCESS_TOKEN }}";
    public static final int RETRIES = 3;
    public static final String AWS_ACCOUNT_ID = "489715393049";
    public static final String ZENDESK_SECRET_NAME = "prod/zendesk/api-key";
}
