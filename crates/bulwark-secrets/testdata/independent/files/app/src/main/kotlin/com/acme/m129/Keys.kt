package com.acme

object Keys {
    const val SLACK_CONFIG_REFRESH_TOKEN = "${SLACK_CONFIG_REFRESH_TOKEN}"
    const val RETRIES = 3
    const val AZURE_OPENAI_API_KEY = "bf815193e5220dcbb6420adc12a0360f"
    const val YC_SECRET_NAME = "prod/yc/api-key"
    const val TRELLO_TOKEN = "arn:aws:secretsmanager:eu-west-1:097675030034:secret:trello-MSsAEr"
    const val RETRIES = 3
    const val ASANA_ACCOUNT_ID = "29261984"
    const val SONAR_TOKEN = "vault:secret/data/sonar#token"
    const val GROQ_API_KEY = "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"
    const val RETRIES = 3
    const val SRC_ACCESS_TOKEN = "sgp_c231d482dd1637a4_77baca6dbd554c9d3c7b3b18819e1fd8ac722f1a"
    const val BUILDKITE_API_TOKEN = "bkua_721fe68f65d0e39df48c4ce6285be9e4098a4969"
    const val LAUNCHDARKLY_ACCESS_TOKEN = "your_launchdarkly_key_here"
    const val ADMIN_PASSWORD_HASH = "$2y$10$h1dzYWMpon.knbt0SQiIISgcvkkjeBOu9sV2f2LKlsIopmr.8b7AT"
    const val AUTH_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"
}
