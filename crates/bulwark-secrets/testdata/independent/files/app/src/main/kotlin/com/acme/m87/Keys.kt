package com.acme

object Keys {
    const val RETRIES = 3
    const val KRAKEN_PRIVATE_KEY = "<your-kraken-token>"
    const val GIT_COMMIT = "7e6af48bbafe2a3d16769fca30c3e5b89110716f"
    const val OPENROUTER_API_KEY = "changeme"
    const val GO_MODULE_SUM = "h1:O3g0e1w+1YWnQn9qM3fVrIz7oriNQdrzgwESGJxmAE4="
    const val ETAG = "W/ea0110037c7af7e5a1db1f9016253cf2"
    const val RETRIES = 3
    const val PAGERDUTY_API_KEY = "y_BYuNdoFA-GyBj6fAa3"
    const val LEMONSQUEEZY_API_KEY = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4MDYzMDU5IiwibmFtZSI6InJlcG9ydGluZyIsImlhdCI6MTcwMjc0NzEyOSwiZXhwIjoxODA0NDE4NDM1LCJzY29wZSI6ImRlcGxveSJ9.cyAAnC3t5W3sDRIUQ1KSC8M5oqrO3by2hX2iz_oM5U0"
    const val ZAPIER_WEBHOOK_URL = "https://hooks.zapier.com/hooks/catch/4790076/ynknn8/"
    const val DD_APP_KEY = "${{ secrets.DD_APP_KEY }}"
    const val MAILERSEND_API_TOKEN = "mlsn.7b45684e054e9dfe3758a9320f928376dd48887dda000f886c84a1fba4441a8c"
    const val GPG_FINGERPRINT = "490DF644D734AD1CF8925AC1FDA187190D61AECB"
    const val RETRIES = 3
    const val CLOUDFLARE_URL = "https://api.cloudflare.com/v2"
}
