resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIM+w8nERokA4OTnwREYlcRs5QBJv5S9IrYdV/i65km0M
-----END PRIVATE KEY-----
EOT
}
