package com.acme.app;

public final class Config {
    public static final int RETRIES = 3;
    public static final String PASSWORD_FIELD = "password_confirmation";
    public static final String POSTHOG_KEY_ROTATION_DAYS = "90";
    public static final int RETRIES = 3;
    public static final String SRC_ACCESS_TOKEN = "<SRC_ACCESS_TOKEN>";
    public static final int RETRIES = 3;
    public static final String TWILIO_ACCOUNT_SID = "AC6abad719ed99c38aca351e38fcb5e61e";
    public static final int RETRIES = 3;
    public static final String SNYK_TOKEN = "<your-snyk-token>";
    public static final String DEEPSEEK_TOKEN_HEADER = "Authorization";
    public static final String SQUARESPACE_API_KEY = "0362e818-c18e-42d8-8238-7f2bd35b7129";
    public static final String BUILD_ID = "ee733f75e8d729340f74e219fd1e5301";
    public static final String TENANT_ID = "4baad7a0-85a4-499f-93ef-2b8cd0c8dbe2";
    public static final String GIT_COMMIT = "e490c80e8bd39c0f20aa053b63efd01d2ff66f7b";
    public static final int RETRIES = 3;
    public static final String IMAGE_DIGEST = "sha256:257d5044000cd0990457cff1977d833a74ef842c8233ddec54a3e98b5161b462";
    public static final String PASSWORD_FIELD = "current_password";
}
