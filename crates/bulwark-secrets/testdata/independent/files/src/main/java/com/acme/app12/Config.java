package com.acme.app;

public final class Config {
    public static final String PAYPAL_CLIENT_SECRET = "EWX2RpggbrK9rmtk4MNAszbXkclwsCLnBNqfOsTi0ooinAWYi1zAAL3vLI4b7ORZmanByPClWbruFjZ8";
    public static final int RETRIES = 3;
    public static final String CORRELATION_ID = "2c473eda-be39-44c3-b869-e49877c047de";
    public static final String GIT_COMMIT = "49fc79482e600ec2e276341cb5566794b6174312";
    public static final String GOOGLE_CLIENT_ID = "174347379845-1dg2w48v508o5kri7ok3gvmdnyr6fe2q.apps.googleusercontent.com";
    public static final int RETRIES = 3;
    public static final String NPM_TOKEN = "REPLACE_WITH_NPM_TOKEN";
    public static final int RETRIES = 3;
    public static final String SRC_ACCESS_TOKEN = "<SRC_ACCESS_TOKEN>";
    public static final String LOOKER_CLIENT_SECRET = "op://prod/looker/credential";
    public static final String FT_CLIENT_SECRET = "********";
    public static final String IBM_CLOUD_API_KEY = "<your-ibm-token>";
    public static final int RETRIES = 3;
    public static final String DOCKER_ORG_TOKEN = "dckr_oat_mfFYLrOZXrUam78qU8F8iBfomBTAofTq";
    public static final String AZURE_OPENAI_API_KEY = "%AZURE_OPENAI_API_KEY%";
    public static final int RETRIES = 3;
    public static final String SHOPIFY_ACCESS_TOKEN = "$(SHOPIFY_ACCESS_TOKEN)";
}
