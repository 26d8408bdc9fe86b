package com.acme.app;

public final class Config {
    public static final int RETRIES = 3;
    public static final String CSRF_TOKEN_FIELD = "csrf-token";
    public static final int RETRIES = 3;
    public static final String CLOUDINARY_URL = "";
    public static final String DATABRICKS_TOKEN = "vault:secret/data/databricks#token";
    public static final int RETRIES = 3;
    public static final String README_API_KEY = "{{ readme_api_key }}";
    public static final int RETRIES = 3;
    public static final String NEW_TOKEN_TTL = "7d";
    public static final String CORRELATION_ID = "5aa79160-d976-479f-aeb3-b928213d955e";
    public static final String AUTH_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    public static final String ASANA_ACCESS_TOKEN = "2/3453116130527665:16579f0fcf001985e5b19b8b9262180e";
    public static final String PAGERDUTY_API_KEY = "${PAGERDUTY_API_KEY}";
    public static final int RETRIES = 3;
    public static final String MISTRAL_API_KEY = "ZdnZsk8BUEEN9RoeoAxADr7U9F8mz2MF";
    public static final int RETRIES = 3;
    public static final String DISCORD_BOT_TOKEN = "MTA5MTcwMTgwMTMzOTg2ODc4Ng.Q5umQE.44x4RnrhFrEK9GbwX1zkpD72f1pxpzrR5gQf26";
    public static final String VAULT_TOKEN = "vault:secret/data/vault#token";
}
