package com.acme.app;

public final class Config {
    public static final String CONFLUENT_CLOUD_API_SECRET = "%CONFLUENT_CLOUD_API_SECRET%";
    public static final int RETRIES = 3;
    public static final String EASYPOST_URL = "https://api.easypost.com/v2";
    public static final String SPARKPOST_API_KEY = "4de0215e867cfcf68e994b3648d832ea67060758";
    public static final String GPG_FINGERPRINT = "F955435FC4FB0E26B8CC93D91F098E4ED90685FD";
    public static final String TRELLO_TOKEN = "ATTA0ccbcb5ae1cffe420b1b0fd7fe3bfab24a3e0c3caa85cc733319ac147c86da22C9CB192F";
    public static final String SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:140658209670:secret:prod/db-DlNQ7c";
    public static final String DOCKER_ORG_TOKEN = "********";
    public static final String MANDRILL_API_KEY = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    public static final String API_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public static final String IBM_CLOUD_API_KEY = "KRMjGhRQMdgTap1uasUeUmEMOxPm8y1eJslJdyasWP2M";
    public static final int RETRIES = 3;
    public static final String AIRTABLE_TOKEN = "<your-airtable-token>";
    public static final String AWS_ROLE_ARN = "arn:aws:iam::321819327166:role/deploy";
}
