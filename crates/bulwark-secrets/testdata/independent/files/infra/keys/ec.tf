resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIL0pPwOPSY86EyS8NvvH8m554etesLOUAmZCqZPuHJS6oAoGCCqGSM49
AwEHoUQDQgAEORbPNV+re2thhNxrkjtQBsMlOXNhzY8mQdXwOQRCmqgGuOXZ6l9Z
euL/RB6zDBAtUyIvf/+2MI9y+vJLN0DwyA==
-----END EC PRIVATE KEY-----
EOT
}
