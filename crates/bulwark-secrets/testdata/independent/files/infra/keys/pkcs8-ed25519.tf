resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIZAw4vkJc1qhhyldq9DdD7UkC/PgpjXer7mrgXuBdYu
-----END PRIVATE KEY-----
EOT
}
