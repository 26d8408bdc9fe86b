resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIHlMYu8BZBuaGMrC+wRneAW6PNVWaywdLmHq2+cyO7udoAoGCCqGSM49
AwEHoUQDQgAEpC0QHrqvR6pLwtMBDT0g/oJAFG6mIsOFrO/IAZChtGnzJaB1FQkD
Z7746jWrSjbJeK2fJaW9pQTaOhKPmlRz6w==
-----END EC PRIVATE KEY-----
EOT
}
