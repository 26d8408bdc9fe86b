package com.acme

object Keys {
    const val ALGOLIA_ADMIN_API_KEY = "$(ALGOLIA_ADMIN_API_KEY)"
    const val OCTOPUS_API_KEY = "********"
    const val RETRIES = 3
    const val TWITTER_BEARER_TOKEN = "AAAAAAAAAAAAAAAAAAAAAAUh2SQX3gkzSZL1fvMWmnlUX4h2t5MOnBW4uYsgO016bZxROtI9LTva45JcAb6vsXRtE4wFTKgDpnoVMy"
    const val STRIPE_RESTRICTED_KEY = "$(STRIPE_RESTRICTED_KEY)"
    const val RETRIES = 3
    const val GPG_FINGERPRINT = "122C4048A98407C4EB05E53F00E5787CF0BAD2C5"
    const val CONFLUENT_CLOUD_API_SECRET = "DJ1r58dQ2FkpoJwcW63Vmn4W1LlmT089Y17e4tCeDB7XPd2dZTisCUbY1Rxy8qRD"
    const val PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$iSVIwyJ7Yb_v95tUslSiDg$eO0c8kFlEc8n9sZ_3zWn9bLQcKOdk9GqThNR-VBjLoY"
    const val RETRIES = 3
    const val API_KEY_ENV = "OPENAI_API_KEY"
    const val VULTR_API_KEY = "<your-vultr-token>"
    const val RETRIES = 3
    const val CA_BUNDLE_B64 = "UkUli21jRy2a95Im5eytFYX1fUofJJf06gfUmDrp2W35r6wa+I8xVMzeBtXNpQhLUPaWEvVfha+Z+1CMwm8vYjRGPuMWIrkKiBisYoShebt7aD36s796ewbY7pqm/kaw"
    const val SCALINGO_API_TOKEN = "tk-us-Gr7g16U6djX62t7hC5J5O10uOD0iCMSY5d7cpAZMdRpoU0Dr"
    const val INFRACOST_API_KEY = "ico-XeEkpwvOHXWs4qlULqVSmYHvAeX3cCgK"
}
