package com.acme

object Keys {
    const val RETRIES = 3
    const val FCM_SERVER_KEY = "AAAA8BpMZrl:APA91b1IVghyyBdL84iET_C_Nj8O7iGOeuk2HDKFiDHTmOxMQj-zyZCYGdjHlHmEiaAoOj4MS56w_ytdCW1v1rWgRnLRfz3OIsdM-etrMzrfaK2LCyPbvFz7lyXypgBdJ3cRxbHaizuX"
    const val LANGSMITH_API_KEY = "${LANGSMITH_API_KEY}"
    const val SRC_ACCESS_TOKEN = "sgp_local_c1dc014af49111c9d8c12546064c099a8591cc0f"
    const val TWITTER_API_SECRET = "<TWITTER_API_SECRET>"
    const val RETRIES = 3
    const val SPLUNK_HEC_TOKEN = "7e023cdf-f927-4138-a619-87541d80f9c2"
    const val NOTION_TOKEN = "secret_tPUg4nEuztg0Zce6InwFgUeccuYEb52GxwcxD4YKbrX"
    const val CORRELATION_ID = "864ab2cf-46ca-4143-ae36-9ac73c651bc1"
    const val FIGMA_TOKEN = "arn:aws:secretsmanager:eu-west-1:109773473260:secret:figma-CgsX8A"
    const val FASTLY_API_TOKEN = "kPO4dFqOnTUtxwNe9mnpBdDEB5xzKT2z"
    const val SLACK_CONFIG_REFRESH_TOKEN = "xoxe-1-Z9eEwrf8FzgeCYL5HVUGqVAoaXogoqer6YsGE9CTy0969EfP137eKdLt9CrlyviT3LT8Lb3RpVL4Md5HhByMcKhMTHjk1SL2aC9vo3LqU6kXTQuNpFcSkt4frBNzTxd1U7dsUPBLCIqAWuEKYh"
    const val RETRIES = 3
    const val CONFLUENT_CLOUD_API_SECRET = ""
    const val GIT_SHA = "3efcf6f8adf5bbd1bf4d64c27c9831446d79bf7c"
}
