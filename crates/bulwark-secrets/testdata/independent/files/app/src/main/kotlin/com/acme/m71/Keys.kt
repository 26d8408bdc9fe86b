package com.acme

object Keys {
    const val RETRIES = 3
    const val BUILD_ID = "467115703b147e4defbe4304f21c46a6"
    const val CA_BUNDLE_B64 = "Q82D+FIYeuXbBvvlvoF/31771PeeSWB1J4I4h8e76CgHfppFVwNcWMm9dRNKZReC"
    const val CORRELATION_ID = "3ed2ec6a-7910-4cd6-9065-612e94f9eeba"
    const val TEAMS_WEBHOOK_URL = "https://nldqewlv.webhook.office.com/webhookb2/3e3702f0-c884-400e-96fa-981f860d74c4@17792cee-4c39-4164-a044-23a852492964/IncomingWebhook/8b185bab85d72483edaa2ca7d7d823b2/194b3d4c-b115-4ed5-b64a-edeb5a46152f"
    const val RETRIES = 3
    const val FREENET_INDEX = "USK@uRs6Q~13CGZXxQ63~YbsmlN2tX2L6lcV1pTmP~dttvX,~OlalmbXGBT0sWOlzR2OHJ4Q~AV~JioXP1U98p-TzEP,AQACAAE/blog/71/"
    const val LOB_API_KEY = "REPLACE_WITH_LOB_API_KEY"
    const val SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:602157285838:secret:prod/db-HFrm7E"
    const val SSH_HOST_KEY_FINGERPRINT = "SHA256:Bh4GP8FFU2oIJgavL8FudbasgXqZq0imMg6lMlAeeQc"
    const val SECRET_KEY_BASE_FILE = "/run/secrets/secret_key_base"
    const val HUBSPOT_API_KEY = "4454aa28-982d-4b44-ba50-fae82a19dfa2"
    const val MAILGUN_API_KEY = "key-a54770a4d0edce1cf36bdf0009f53d95"
    const val PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$ejwBXUncW3Lcjx8rG3_Egg$lwMfxNnLDcI6Hm_lJMZ3sj2PSxdKaIuCXXPxHmgWu8g"
}
