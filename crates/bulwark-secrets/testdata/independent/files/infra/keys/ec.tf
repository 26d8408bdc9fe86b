resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIJirCZFuCD7XO27KYRJos3a9RjC/oQGiAb8+w8Hs4W0PoAoGCCqGSM49
AwEHoUQDQgAEGeVoIw99OokoVOBcm5F1p2H7uaKa0BaxGmS2SMpdnIKoFrvifbA+
9uE6a2N++/5qgmWdL/VxBDeWU/yI+Nup2w==
-----END EC PRIVATE KEY-----
EOT
}
