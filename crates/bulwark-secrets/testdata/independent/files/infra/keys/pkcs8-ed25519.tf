resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIOjZYOAcR1rz2eG+YL7++TtidlbdSMru14x1gdD3GFI0
-----END PRIVATE KEY-----
EOT
}
