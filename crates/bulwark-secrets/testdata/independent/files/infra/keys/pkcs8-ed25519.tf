resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPehVkQBetVpxXZVkWtd1E0JMep1sppB6d6b9LyP4PGB
-----END PRIVATE KEY-----
EOT
}
