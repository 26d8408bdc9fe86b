package com.acme

object Keys {
    const val MAXMIND_TOKEN_TTL = "24h"
    const val RETRIES = 3
    const val API_KEY = "ENC[AES256_GCM,data:KKVng0vV5hvfPhh1hDahk3FlkTG6ip2Z,iv:VC/VOuLXm9tKjT5jdqJshkw17SvTIc0E1WrOU5HyXvo=,tag:NkTGs1DpWCT7PQIHTGYgUA==,type:str]"
    const val FIGMA_TOKEN = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    const val SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/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"
    const val RETRIES = 3
    const val SCW_SECRET_KEY = "dd3607c4-d053-43c2-ad42-afffdc5dbd33"
    const val RETRIES = 3
    const val FREENET_INDEX = "USK@psTmMxmxDvRVvArxBPOkt2Hv7Q~HO6VUYkJdE9dcv~f,Sm2hgaGU1131Q~-E2KyrK609cQrwKJNlTYX9aDg~LfO,AQACAAE/index/36/"
    const val BITBUCKET_APP_PASSWORD = "ATBB1bHr82kDQ7WgRyHGbTQkVHgCXoyS2D1B20FD"
    const val ADMIN_PASSWORD_HASH = "$2y$10$ZgzCDOXYeDtWHrWH1eepbP0yBjmyEPPQw9/C60QVT8EwC.2Q2bVm3"
    const val RETRIES = 3
    const val CLOUDFLARE_API_KEY = "********"
    const val ELEVENLABS_API_KEY = "sk_d04b24e7b944ed3a0c2d9f5da907c5dca001a7c08e239dbd"
    const val SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:264860187158:secret:prod/db-PJyiFY"
    const val INTEGRITY = "sha512-xrkvR38J11BVlOzjvWMOoaUDnowZIKYcO7r2QdCMUYQ91Ch5V7CwceB9MUs4GQbyqmS8ZYWnY6bwZpbceNAGKw=="
}
