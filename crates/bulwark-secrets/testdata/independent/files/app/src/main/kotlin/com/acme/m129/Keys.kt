package com.acme

object Keys {
    const val CA_BUNDLE_B64 = "hlswD4JrBu8z4GRhskweHRt9FRoCyydoWL1VEPbX7kRFkFkNBO0qFBXy0bQS9Ag2UPOSKK57JF68noy4gmwLbL5KnkgWziREqRyAhMYeGSN8t3kCdzVahbgso/bgumzwHoGRwt+3yFsE+uYS3DgFvtyYQoKZh9dbbgu3M/Y0NLRG5YGG9rwKZAD4Lsn7ozjtNGOWFWdN"
    const val DB_PASSWORD = "ENC[AES256_GCM,data:Mj81pyOGUAZHZ8t1gukpiQc4,iv:+obA1A9b2fTWE4qPE0/Eh9KDL6Agrwm9B7bPElhaayI=,tag:kYIE2uNo45a/GHMsk/98bQ==,type:str]"
    const val BITBUCKET_APP_PASSWORD = "${BITBUCKET_APP_PASSWORD}"
    const val PUSHER_APP_SECRET = "REPLACE_WITH_PUSHER_APP_SECRET"
    const val AWS_ROLE_ARN = "arn:aws:iam::113749053719:role/deploy"
    const val SCW_SECRET_KEY = "$(SCW_SECRET_KEY)"
    const val RETRIES = 3
    const val OP_SERVICE_ACCOUNT_TOKEN = "<OP_SERVICE_ACCOUNT_TOKEN>"
    const val ARTIFACTORY_TOKEN_TTL = "7d"
    const val RETRIES = 3
    const val INTERCOM_ACCESS_TOKEN = "arn:aws:secretsmanager:eu-west-1:993929211631:secret:intercom-qP2St6"
    const val RETRIES = 3
    const val CLOUDFLARE_API_KEY = "15260f09a1c3a0ec35ebff403c766197d0bf0"
    const val RETRIES = 3
    const val HF_TOKEN = "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"
    const val RETRIES = 3
    const val GIT_SHA = "d5a214eb860423891e54b63f081309251f2926ce"
}
