package com.acme.app;

public final class Config {
    public static final String GROQ_API_KEY = "<GROQ_API_KEY>";
    public static final String STRIPE_PUBLISHABLE_KEY = "pk_live_6SCnX1fHuxsEPKbs5hG7AQjd";
    public static final String CLICKHOUSE_API_SECRET = "4b1dgF32Jlm2B7gPhngICBmGxHhJcWU3fGHwowFCMH";
    public static final String TWITCH_CLIENT_SECRET = "%TWITCH_CLIENT_SECRET%";
    public static final String BITBUCKET_APP_PASSWORD = "ATBBI6F80RHGOHYoJLm0XMu2M5jPFGejDA617827";
    public static final String OPENSHIFT_TOKEN = "{{ openshift_token }}";
    public static final String SPAN_ID = "ebb655e098d8b162";
    public static final String DIGITALOCEAN_TOKEN = "{{ digitalocean_token }}";
    public static final int RETRIES = 3;
    public static final String OP_SECRET_KEY = "REPLACE_WITH_OP_SECRET_KEY";
    public static final int RETRIES = 3;
    public static final String ASSET = "video_box.ico-b3bcc5c5b3716642877384ecfe0d5aed.png";
    public static final String BITBUCKET_APP_PASSWORD = "{{ bitbucket_app_password }}";
    public static final String TWITTER_API_SECRET = "11CACaETwJCGkEkaQEPRyHjV32KWkEKJXxRfw4f7eANx0HCTyE";
}
