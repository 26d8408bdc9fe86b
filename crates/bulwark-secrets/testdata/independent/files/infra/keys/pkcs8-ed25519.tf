resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIHh8G9ii4F5h17z8UwfFDBsflCnZcWYKpju620aECI0w
-----END PRIVATE KEY-----
EOT
}
