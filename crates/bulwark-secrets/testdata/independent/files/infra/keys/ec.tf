resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIJJfcBtG/8Hke2X5nXGHDsy7PfMFt2VDOakartPpUG15oAoGCCqGSM49
AwEHoUQDQgAEZaj4CgQsP2xerGFMz11WSsm9qJq8AETRbsnklSPdwTXFhckLnEfv
KRQWSmQG8WIA12UjmZQbBpyQGcv0HzZhpA==
-----END EC PRIVATE KEY-----
EOT
}
