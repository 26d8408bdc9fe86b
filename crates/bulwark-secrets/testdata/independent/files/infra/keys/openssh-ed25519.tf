resource "tls_cert_request" "app" {
  private_key_pem = <<EOT
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDgwaa44YcaoTjeKeUIz/rq5uf+vn/wXlLXs9RgkhfGSAAAAJDpN0V36TdF
dwAAAAtzc2gtZWQyNTUxOQAAACDgwaa44YcaoTjeKeUIz/rq5uf+vn/wXlLXs9RgkhfGSA
AAAEAkq7WTW8e4ut/u8K+x478xAe801wYzIalczszAdW5lseDBprjhhxqhON4p5QjP+urm
5/6+f/BeUtez1GCSF8ZIAAAACWRlcGxveUBjaQECAwQ=
-----END OPENSSH PRIVATE KEY-----
EOT
}
