resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIApYC/GSXEMwjODGrGoiVos7OmIf7tVuKEBXDhUjRK3OoAoGCCqGSM49
AwEHoUQDQgAEPeGBBX8JEGiiTJ0Ih63AGJC4bVn+DPwcsBPpU/1WPLvHCwAtmTC1
Vu/5ccmLLdxfPC89Sq3V3vTMvXGvFxpxHQ==
-----END EC PRIVATE KEY-----
EOT
}
