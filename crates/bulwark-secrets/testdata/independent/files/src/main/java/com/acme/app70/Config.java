package com.acme.app;

public final class Config {
    public static final String SNYK_ENABLED = "true";
    public static final String SSH_HOST_KEY_FINGERPRINT = "SHA256:qn29Y73rY99Dilxc+SpYPGrx3FiUovWAcixLCysnQ6E";
    public static final String TRACE_ID = "52f1f6e9c499668d8a148ee8f1f02f85";
    public static final String TELEGRAM_BOT_TOKEN = "${{ secrets.TELEGRAM_BOT_TOKEN }}";
    public static final String STYLESHEET = "application-2e6f60bfe1f38420fb1f7507b664197c1f708ddc028ae9f94a3ce5129337a096.css";
    public static final String SPARKPOST_API_KEY = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    public static final String LOB_API_KEY = "********";
    public static final String OPSGENIE_API_KEY = "arn:aws:secretsmanager:eu-west-1:539352923427:secret:opsgenie-20akT3";
    public static final String PASSWORD_FIELD = "new_password";
    public static final String AZURE_SUBSCRIPTION_ID = "e665e786-765f-4741-8a19-62ef515774d3";
    public static final String LOOKER_CLIENT_SECRET = "<LOOKER_CLIENT_SECRET>";
    public static final String CA_BUNDLE_B64 = "j5/CAC6uk31YRnbtH9N0PaWXOrr2Y6qG/hEA7ffW3dt4IQir7ZbdYuNrMP4Sgfr6igBrKJt+IAyzhA7dyZV6moiWqDtggbV19bpTrtWjzBbElzPC1V8xS/1646ce6ohCy9t+S0B3rXd/5wrH/0uuN5dOY7myoVRQBadOLyMTfHtBM5iP0EwitGvTcLOBLpK33CKKiC/7";
}
