package com.acme.app;

public final class Config {
    public static final String TOKEN = "0123456789012345678901234567890123456789";
    public static final int RETRIES = 3;
    public static final String AGE_KEY = "AGE-SECRET-KEY-1DJCMAEU5XTVAK2UMVL2XP86373L4W589YKUC27RZEF208JJ2FX8SM46R6V";
    public static final String DEEPSEEK_API_KEY = "sk-a14941292055963b02cda2dfa908d1fc";
    public static final String PLANETSCALE_TOKEN = "pscale_pw_G1M1BY4j93e9Du1NZLXAUGckPzLXyZkyB0jtdvSwRt4";
    public static final String AZURE_SAS_URL = "********";
    public static final String CSRF_TOKEN_FIELD = "csrf-token";
    public static final String TWILIO_ACCOUNT_SID = "AC4a675a30e434e98608fafbeec63abc6c";
    public static final String PLAID_SECRET = "401701b5743706b785bde3f7037c71";
    public static final String AUTH_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzMzU2ODk3IiwibmFtZSI6ImNpLXJ1bm5lciIsImlhdCI6MTcwNTQ3MTk1MSwiZXhwIjoxODA1OTY0Mjg1LCJzY29wZSI6InJlYWQgd3JpdGUifQ.R9mratR-bDQBjML1G1iIyx-LtQz6nj7TGRNzDGV49ho";
    public static final String PLAID_ORG = "platform";
    public static final String SENTRY_AUTH_TOKEN = "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";
    public static final String HEROKU_ENABLED = "true";
}
