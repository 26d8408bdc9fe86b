resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGD9g2sCSaOQGG0TGAX+EV+fVCOOVZLa4ltJfc4PqLcR
-----END PRIVATE KEY-----
EOT
}
