package com.acme

object Keys {
    const val RETRIES = 3
    const val NEW_RELIC_API_KEY = "7ff44001ce86385cc89c335b8ba9186e82bfNRAL"
    const val PYPI_PROJECT = "analytics"
    const val RETRIES = 3
    const val TS_AUTHKEY = "<your-ts-token>"
    const val RETRIES = 3
    const val DROPBOX_ACCESS_TOKEN = "<DROPBOX_ACCESS_TOKEN>"
    const val SPAN_ID = "2a54a1721d66dcdb"
    const val AUTH_TIMEOUT_SECONDS = "60"
    const val ETAG = "W/de445ee6c91074daf2060a7c7f374bb1"
    const val RETRIES = 3
    const val YC_ENABLED = "false"
    const val CLICKHOUSE_API_SECRET = "changeme"
    const val GITHUB_APP_TOKEN = "${{ secrets.GITHUB_APP_TOKEN }}"
    const val AZURE_SUBSCRIPTION_ID = "5380c687-b457-4481-9e85-789ce8a66a22"
    const val DROPBOX_ACCESS_TOKEN = "%DROPBOX_ACCESS_TOKEN%"
}
