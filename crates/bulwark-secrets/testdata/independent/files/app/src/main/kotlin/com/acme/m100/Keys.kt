package com.acme

object Keys {
    const val ALGOLIA_APP_ID = "D6DMUQWT95"
    const val TWILIO_AUTH_TOKEN = "793d9d4963f1b8955a51ff47251b7f67"
    const val DOCKER_IMAGE = "registry.acme.internal/platform/api@sha256:4d6c446654a3ea25369691bacad47f39306ef2911af3615ce5feb4a6180dd9b2"
    const val SQUARESPACE_API_KEY = "75d7e7c7-507f-4633-8272-b9b76e488ca2"
    const val RETRIES = 3
    const val ARTIFACT_SHA256 = "1de8296935d84201262da7e8b7a0ce4919889c6449ac1c661e9961e4dc35cdbc"
    const val MAPBOX_PUBLIC_TOKEN = "pk.eyJ1IjogImFjbWUiLCAiYSI6ICJqdWVmMDdkcHdiZ3kzemY0N2Z3Y2dlNGV5In0.hGkORylOWscI7BfpKaNf4a"
    const val HUBSPOT_ACCESS_TOKEN = "pat-eu1-0f4d0d20-bb7e-4644-bcc2-ee3094b146ea"
    const val LOOKER_CLIENT_SECRET = "1peVgQxWv0bUhSCxD1Kf6XqF"
    const val RETRIES = 3
    const val GOOGLE_CHAT_WEBHOOK = "${{ secrets.GOOGLE_CHAT_WEBHOOK }}"
    const val TOKEN_URL = "https://auth.example.com/oauth2/token"
    const val OP_SECRET_KEY = "A3-79VR6H-09ZE32PDDII-69YU4-H6VL1-5KCVR"
    const val CACHE_BUSTER = "39803bd56e6b9eaee346"
}
