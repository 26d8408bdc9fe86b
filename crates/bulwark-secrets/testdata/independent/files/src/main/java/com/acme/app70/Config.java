package com.acme.app;

public final class Config {
    public static final String SSH_HOST_KEY_FINGERPRINT = "SHA256:x/c/XMoGR2tTH66biFNQUinPjxS9CiotzkTQutMQ8hQ";
    public static final String AZURE_SUBSCRIPTION_ID = "c99ceae6-17e5-445f-aac4-be1fe5bc5a18";
    public static final String ALGOLIA_APP_ID = "A1WK2VACBI";
    public static final String API_KEY_ENV = "OPENAI_API_KEY";
    public static final String GITLAB_ENABLED = "false";
    public static final int RETRIES = 3;
    public static final String SRI_HASH = "sha384-BO2Me7OqIjRrhQtVAr+UO3e9p1d99yE/3FPumG0ldmHCwCrp8asdApf+IAv1Vbq3";
    public static final String PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$Hay3WT6hjyFwXKClATXCEg$TjCOt3TBI47e-MbK1RbHUfqt8amtjw_7uBpuE05VJ9s";
    public static final int RETRIES = 3;
    public static final String VERSION = "5.17.13+build.8b4769c";
    public static final String TWILIO_ACCOUNT_SID = "AC53575ab56456aa24d85fd48aebbc2807";
    public static final String CONFLUENT_CLOUD_API_SECRET = "DJ1r58dQ2FkpoJwcW63Vmn4W1LlmT089Y17e4tCeDB7XPd2dZTisCUbY1Rxy8qRD";
    public static final String SONAR_TOKEN = "sqp_073ac045a67bd1201c1d5b3b415c991d2f2fb503";
    public static final String PERPLEXITY_API_KEY = "%PERPLEXITY_API_KEY%";
}
