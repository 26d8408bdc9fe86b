resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJQkiNJbJrgru3PeXAyVMeXBr0qiFmwqbzizdDyY3D2+
-----END PRIVATE KEY-----
EOT
}
