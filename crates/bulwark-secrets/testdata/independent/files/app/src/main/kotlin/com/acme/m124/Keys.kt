package com.acme

object Keys {
    const val RETRIES = 3
    const val NUGET_PROJECT = "billing"
    const val RETRIES = 3
    const val DOCKERHUB_TOKEN = "dckr_pat_qpsbCj7HtYt8y0GSqQ-XaIUeQkj"
    const val OPSGENIE_API_KEY = "{{ opsgenie_api_key }}"
    const val TENANT_ID = "82cf8325-435b-49ff-816f-d9da830ea76e"
    const val RETRIES = 3
    const val GH_API_VERSION = "v3"
    const val GITHUB_OAUTH_TOKEN = "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"
    const val RETRIES = 3
    const val MAPBOX_PUBLIC_TOKEN = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICJsOTU3bzBsYmh4dzBza3VrNW02OHZkaDR1In0.y7Vl4Iy9RRToxLxaeV45j8"
    const val ADAFRUIT_PROJECT = "billing"
    const val INTEGRITY = "sha512-O/q+9z1T4aswjeHzy4Vif5bTrmlqoiPB/yNyNCKpvrZfdrs2YduORtX+LYOYRXPhnC/ijjm8ddK8S0D8gO7xLg=="
    const val TWILIO_AUTH_TOKEN = "51b7f6723463cf507903c840409f023b"
    const val RETRIES = 3
    const val VERSION = "1.1.33+build.e595e66"
    const val DB_PASSWORD = "ENC[AES256_GCM,data:0KmP5pC4fVb/YW326BjK9uFX,iv:x/L8N7GAaj0HANQDtR937DGaPn40HkkT0U4iKkPvgYA=,tag:hWXLwjX6qLdtIOKvm1uiBQ==,type:str]"
}
