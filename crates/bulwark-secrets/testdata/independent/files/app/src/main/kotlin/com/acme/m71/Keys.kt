package com.acme

object Keys {
    const val FASTLY_API_TOKEN = "changeme"
    const val RETRIES = 3
    const val ETAG = "W/747b08da3aaa5215582244ba35f0d3b0"
    const val TEAMS_WEBHOOK_URL = "op://prod/teams/credential"
    const val RETRIES = 3
    const val POSTMAN_API_KEY = "PMAK-27ff6f6f7254b209aa347dd3-c56f3d55a74a09e83d8cb789ea654368f7"
    const val SENTRY_DSN = "https://b2babf4eaf258e25f357ad72fce32cba@o371776.ingest.sentry.io/3236571"
    const val LOGO_PNG = "data:image/png;base64,Nmzx0NzglOtOlr4/Cd+1qnM/l+qerqcIek5lAG+8bhLg+JXkTZ6/Xp3TnR+VDV+h6T8hHaVLvNsLXaZD1c47OOqeP521p8qBKh7wp7nbwMqZuP7/1xk2jit8"
    const val TFE_API_VERSION = "v3"
    const val RETRIES = 3
    const val AKAMAI_CLIENT_TOKEN = "{{ akamai_client_token }}"
    const val ADMIN_PASSWORD_HASH = "$2y$10$Sy7Q0BxG7FbIyazORmQp7YUpwojLi0S9tpkvNfrw.7c4.M7nenG17"
    const val RETRIES = 3
    const val LOB_API_KEY = "op://prod/lob/credential"
    const val DROPBOX_ACCESS_TOKEN = "sl.80501aVglJq7uAkH1_9bDNpzDP9mwU9xgVuMX6K77BGoNuOqJPrRAJD_kRqsTsveB5xhVe2BmLlWgvdwW0sX8QoyGe1tre3CfvXttcisr2zZgg4NElF8XGU4wRCr5bc_mga9WrS"
    const val LANGSMITH_API_KEY = "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"
}
