package com.acme

object Keys {
    const val SECRET_KEY_BASE_FILE = "/run/secrets/secret_key_base"
    const val RETRIES = 3
    const val MAPBOX_PUBLIC_TOKEN = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICJhbGljNDU1ZGZwdGJrNng1d3M1eTdhdHZnIn0.VnfTCXE0EI-oR3o3SDu3R6"
    const val RETRIES = 3
    const val FLUTTERWAVE_SECRET_KEY = "$(FLUTTERWAVE_SECRET_KEY)"
    const val CONFLUENT_CLOUD_API_KEY = "********"
    const val CHECKSUM_MD5 = "637b41105d73df29b61f84d1a539aa63"
    const val GIT_SHA = "f21fb05dc1d472a0390733b195b7826d34456a1d"
    const val NEW_RELIC_API_KEY = "${{ secrets.NEW_RELIC_API_KEY }}"
    const val PASSWORD_FIELD = "current_password"
    const val GOOGLE_ACCESS_TOKEN = "vault:secret/data/google#token"
    const val RETRIES = 3
    const val DOCKER_IMAGE = "registry.acme.internal/platform/api@sha256:3a2916fce05c4ee2864ef206d88a8b5611c4ee2cee733f75e8d729340f74e219"
    const val SHIPPO_TOKEN_TTL = "24h"
    const val GPG_FINGERPRINT = "55F1D1336134B0A8D7DD0A17E4145300F4E66E13"
}
