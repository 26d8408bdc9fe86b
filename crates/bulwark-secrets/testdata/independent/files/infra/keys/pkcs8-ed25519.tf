resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIAC8IWRyc30759h5C3d5Y2Kj1KkCOdwF9LW/aAOl9Z3P
-----END PRIVATE KEY-----
EOT
}
