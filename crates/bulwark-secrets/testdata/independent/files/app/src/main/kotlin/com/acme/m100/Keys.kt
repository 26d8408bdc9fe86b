package com.acme

object Keys {
    const val RETRIES = 3
    const val TELNYX_API_KEY = "KEYB9YHMIWGOIS7X1HCX4UOOLKLPWMNL7IC_aSAItuQlEEImd8btwpcyOw"
    const val RETRIES = 3
    const val TRACE_ID = "112e33eb92286319e700a54762644ff0"
    const val RETRIES = 3
    const val ARTIFACT_SHA256 = "0b2cff2677c29985e86cc85c74c59b22ec663ee3af51bbc7e2f8c6dc70392ce3"
    const val AWS_ACCESS_KEY_ID = "ASIA6ZBMKVFXQJMGRINJ"
    const val DB_PASSWORD = "ENC[AES256_GCM,data:b/sWzXtfKzmSevawLwgWJQmG,iv:Or54xrgVATWGxFDVvMm3JxXSHbQgCfzr+MmVpFwvGSo=,tag:nz7Jiiv1TxgwUYn5fX8+lw==,type:str]"
    const val RETRIES = 3
    const val CLOUDINARY_URL = "cloudinary://860249987207164:nSwxjn_0ueEOuOHh7Jc5n1kVa0q@kngcdhze"
    const val SNYK_KEY_ROTATION_DAYS = "90"
    const val CORRELATION_ID = "74d21a20-8af1-478f-80da-dd93041166ac"
    const val LINODE_TOKEN = "********"
    const val RETRIES = 3
    const val POSTHOG_PERSONAL_API_KEY = "phx_UTGUCfnfdEODVKhcutOyGRgO42qi887lJUFSeOTfR43"
    const val RETRIES = 3
    const val SLACK_WEBHOOK_URL = "op://prod/slack/credential"
    const val SNYK_TOKEN = "********"
}
