package com.acme

object Keys {
    const val SLACK_BOT_TOKEN = "xoxb-298314238285-3103546024178-daoXN9IN5HhUef6hhqj2yXeo"
    const val SECRET_KEY_BASE_FILE = "/run/secrets/secret_key_base"
    const val AUTH_ENABLED = "true"
    const val GOOGLE_CHAT_WEBHOOK = "op://prod/google/credential"
    const val RETRIES = 3
    const val TWILIO_REGION = "eu-west-1"
    const val RETRIES = 3
    const val TENCENTCLOUD_SECRET_ID = "AKIDCkKUtzoP3G2nfmzFap3jqo5gHvhGWa2H"
    const val TWILIO_ACCOUNT_SID = "AC7afa8f039df54685eb9c7191533b72c7"
    const val RETRIES = 3
    const val DATABASE_URL = "mongodb+srv://reporting:Ocu27pUA3R%hOcZ26kY@db.internal/tmeusv"
    const val RETRIES = 3
    const val CA_BUNDLE_B64 = "aoiBtZtRtehVXuMy255qdEKQZcs/JIvWUom7slZOwjcNGUOdKFwdJDFo3BD5oGLm"
    const val MAILGUN_API_KEY = "78a7d1b2f9f4acfafe1d938d90b4e238-dee8b888-6f78afa7"
    const val AIRTABLE_TOKEN = "pat3Rd4yE5ujXSWsz.ad022100fd30810a39d644499e4500670e62107853a64da10ad2b63080dfa8e8"
    const val DT_USERNAME = "deploy-bot"
}
