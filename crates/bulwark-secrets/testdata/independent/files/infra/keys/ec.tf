resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIA6axy1cbmo+IpsnR73NG3Kr0ah8vBXMURCKCcqinoPRoAoGCCqGSM49
AwEHoUQDQgAEI8WJtizCQBpCfJ12flgq/Y8Zfus6/YV8d9ETZ9ZteKYY0TAG9uom
np9CTghJcp2MvDL8zxhYUZ2CqmuhbjkX/Q==
-----END EC PRIVATE KEY-----
EOT
}
