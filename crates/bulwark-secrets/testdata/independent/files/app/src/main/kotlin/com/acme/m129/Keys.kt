package com.acme

object Keys {
    const val GIT_SHA = "4cc2cd4f8879022f90cbfdefdaa91e1069d2b60c"
    const val SHIPPO_API_TOKEN = "shippo_test_97083cc4efd81fa4e55fa7e9c124bbce0148d45b"
    const val GO_MODULE_SUM = "h1:r3ALCN687Zpi01AntQb1mciBdNRUjjdeHR5cgW1DJtU="
    const val ETSY_API_KEY = "2j2t63y9oua3hgnwv4tn98ob"
    const val BUILD_ID = "e18c99568fa3ba78d845322fab4abbf1"
    const val RETRIES = 3
    const val VERCEL_SECRET_NAME = "prod/vercel/api-key"
    const val ADAFRUIT_IO_KEY = "aio_Xf5VS5hBgtEzCyUlb1bjKbdWZrmh"
    const val SQUARE_ACCESS_TOKEN = "arn:aws:secretsmanager:eu-west-1:085449528504:secret:square-zziGpO"
    const val RETRIES = 3
    const val ALGOLIA_ADMIN_API_KEY = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    const val CORRELATION_ID = "f4a7e541-cbbb-4317-9a2a-c4d486222b5b"
    const val RETRIES = 3
    const val OP_SECRET_KEY = "{{ op_secret_key }}"
    const val MAXMIND_LICENSE_KEY = "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"
}
