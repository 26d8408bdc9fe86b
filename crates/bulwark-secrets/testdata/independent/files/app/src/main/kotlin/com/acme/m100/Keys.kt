package com.acme

object Keys {
    const val SETTLEMINT_TIMEOUT_SECONDS = "60"
    const val SHIPPO_API_TOKEN = "${{ secrets.SHIPPO_API_TOKEN }}"
    const val RETRIES = 3
    const val DOCKER_IMAGE = "registry.acme.internal/platform/api@sha256:45c4676c37e35bfffff4c0c0764aa3283b10ebe8bd2f936942cbeda7cbb2fdcb"
    const val RETRIES = 3
    const val AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
    const val RETRIES = 3
    const val HONEYCOMB_API_KEY = "hcaik_21uouqokdw3s26p4ia29ed700zon7m3os34fbag0wr5nk0rh9jeg1hmbnz"
    const val BUNDLE_TOKEN_HEADER = "X-Api-Key"
    const val RETRIES = 3
    const val DUFFEL_ACCESS_TOKEN = "REPLACE_WITH_DUFFEL_ACCESS_TOKEN"
    const val SUMO_ACCESS_ID = "{{ .Values.sumo.token }}"
    const val CODECOV_TOKEN = "$(CODECOV_TOKEN)"
    const val AWS_ROLE_ARN = "arn:aws:iam::911817959926:role/deploy"
    const val GPG_FINGERPRINT = "D0211DB2EBA65C8D62C8E5E6CB284EC9684C923C"
    const val RETRIES = 3
    const val TRACE_ID = "8a7e7edb06c6ede1836c8da4d63bc9ce"
}
