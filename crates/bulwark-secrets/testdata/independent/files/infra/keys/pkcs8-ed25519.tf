resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIHgAXQm719Nz1ncEwNRF50vmOM/6XEXkecDkKX1jbhfl
-----END PRIVATE KEY-----
EOT
}
