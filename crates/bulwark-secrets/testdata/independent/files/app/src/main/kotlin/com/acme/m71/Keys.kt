package com.acme

object Keys {
    const val RETRIES = 3
    const val TELNYX_API_KEY = "${{ secrets.TELNYX_API_KEY }}"
    const val RETRIES = 3
    const val BUILD_ID = "30f5d4356b34f6e111d944dc982a52ea"
    const val WEBPACK_CHUNK = "static/js/main.7ff37549.chunk.js"
    const val STRIPE_PUBLISHABLE_KEY = "pk_live_RP7p0mhZmjtfcHIvbviMUCSi"
    const val SQUARE_ACCESS_TOKEN = "{{ square_access_token }}"
    const val RETRIES = 3
    const val SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:175110826592:secret:prod/db-iLk1TS"
    const val FAVICON = "favicon.ico-4279b02ca8e9c79c9097ccab2e20a224.png"
    const val TOKEN_URL = "https://auth.example.com/oauth2/token"
    const val RETRIES = 3
    const val TOKEN_URL = "https://auth.example.com/oauth2/token"
    const val AWS_ACCOUNT_ID = "002081714764"
    const val GOCARDLESS_TIMEOUT_SECONDS = "30"
    const val ALIBABA_CLOUD_ACCESS_KEY_SECRET = "DYW6RPvOONA4ciG8nU3fyR05XZaa7R"
}
