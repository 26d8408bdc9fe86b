resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIJhT8E8bWakG54HnADj6iX8T/NSBVFsY7DmoAdPf+lvBoAoGCCqGSM49
AwEHoUQDQgAEoMLCKL4vGtSRBEmIW4MidrQ4R83/xOwzxCYddhaef1nn4ZQ6kSYQ
Wk2PSk9cmZuKPaNtM/+bAxv8mXASoqfSZg==
-----END EC PRIVATE KEY-----
EOT
}
