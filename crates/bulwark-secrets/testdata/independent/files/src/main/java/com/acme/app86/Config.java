package com.acme.app;

public final class Config {
    public static final String BITBUCKET_APP_PASSWORD = "ATBBjWvMiajyfvsiS4VhmvwednA0CbgpF1F86697";
    public static final String SPAN_ID = "bc848678f08761ff";
    public static final String INTEGRITY = "sha512-NiEaxFuOxwH9SaBL1oU6DrpJolU0TzdvbJ4xAsH4Rj3zBYuNdNrIzHUcNTMu5uMf9jHmjl1NgU0tw7OVc95DZQ==";
    public static final String GH_PAT = "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";
    public static final String HF_TOKEN = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    public static final String MISTRAL_API_KEY = "Nyk9RBt4hsrlMYbbz6sFbKcYrralKetG";
    public static final String MAPBOX_PUBLIC_TOKEN = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICIzdDZlb3VrbHhwM2ZkOHpmY2ZmdTVldDliIn0.BBKn8p8yaD7w_6LNUIvLY9";
    public static final String PERPLEXITY_API_KEY = "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";
    public static final int RETRIES = 3;
    public static final String VAULT_TOKEN = "hvb.bgkc3gNoflZPpFcqo-1qKm5CPkp4HcPUC_83arxHybDFgrgo87gDdFi2YBlUWt2H0Y5mRSixWYjzXAko9pLv-FkBWarxg1TRohNweSd9oz4qmMi-Nw7tDkIFAhBSareI6bdFXZC-nd6w";
    public static final int RETRIES = 3;
    public static final String MERAKI_DASHBOARD_API_KEY = "arn:aws:secretsmanager:eu-west-1:173119201922:secret:meraki-H88WKz";
    public static final int RETRIES = 3;
    public static final String STYLESHEET = "application-66ecfe33e991404755a5c6f5cb29ebd92a7a5bc1f6a42aa6be256c9d67ba6279.css";
    public static final String TOKEN = "0123456789012345678901234567890123456789";
}
