resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIK4t23WBkR1vcCTBzg/cEmLOI+MV3cnWh6O0F6+aHvdooAoGCCqGSM49
AwEHoUQDQgAEQmR19FPdOqBI99hyzMNVRR3DkA4/IHPinmxFkN7EyoRS1B1tIHpC
9JxJqk6DO5jvUrwvZyWipeFcP8WsJQjZ/Q==
-----END EC PRIVATE KEY-----
EOT
}
