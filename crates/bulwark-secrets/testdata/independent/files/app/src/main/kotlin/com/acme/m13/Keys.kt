package com.acme

object Keys {
    const val HF_TOKEN = "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"
    const val GOOGLE_API_VERSION = "v3"
    const val SLACK_CONFIG_REFRESH_TOKEN = "xoxe-1-A59qhYyUsgXDbpomHZMz4Xt4cPDLU997F5uabft3a2pGx7Ujr9cfLhFJll15IxgpCEGpyeYOOi2RF0K6FAUisvmadavYOSBf58RXpWsATcbGLD023WUsmfQNJuO7KKI8zq9smlcaFXY6gL9sOH"
    const val RETRIES = 3
    const val SENTRY_DSN = "https://507667e7c785444b7cf82be537cefb3f@o757625.ingest.sentry.io/3567197"
    const val MANDRILL_ENABLED = "false"
    const val RETRIES = 3
    const val STRIPE_TOKEN_HEADER = "X-Api-Key"
    const val RETRIES = 3
    const val MATTERMOST_ACCESS_TOKEN = "arn:aws:secretsmanager:eu-west-1:498498943289:secret:mattermost-9fgSQb"
    const val ADAFRUIT_IO_KEY = "aio_UOolLr7GG4GWIm2sTVPHQ8emEeJ0"
    const val API_KEY_ENV = "OPENAI_API_KEY"
    const val GIT_SHA = "d90242d276ff29aaf2b20d75cc9708335c656e49"
    const val GITLAB_API_TOKEN = "%GITLAB_API_TOKEN%"
    const val PASSWORD_FIELD = "new_password"
}
