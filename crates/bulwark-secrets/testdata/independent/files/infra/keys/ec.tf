resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIPrhIiKctLI8/W5nKnPsx0bH291PJAGvDeBsr1j31rALoAoGCCqGSM49
AwEHoUQDQgAELjqGCFAZdugcXDbKUyW+9PkZ0COx38h47o1j3tkQ/oTkbMgZjNgz
MkYNibtz2ArxDRpMGHdAo2ZyUMizDjpijQ==
-----END EC PRIVATE KEY-----
EOT
}
