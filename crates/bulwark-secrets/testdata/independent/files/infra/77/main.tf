provider "aws" {
  region = "eu-west-1"
}
locals {
  secret_key_base_file = "/run/secrets/secret_key_base"
  checksum_md5 = "d2cf72a17ece454fbbdc552d9c83bc8f"
  vultr_api_key = "{{ .Values.vultr.token }}"
  sri_hash = "sha384-YDiFsIETnnFNJhrgrTElwdNAc3/9dlho6lZdNso8WZfFRncWWFrv9g/ibrpk1JG8"
  password_field = "current_password"
  request_id = "9e52dd66-91a3-4c0c-a6a0-9a5c8a4ccb8b"
  instance_count = 3
  build_id = "6f626cb7a137409d3edfc81bae5cf291"
  squarespace_api_key = "arn:aws:secretsmanager:eu-west-1:487906387340:secret:squarespace-k8GwPP"
  discord_webhook_url = "https://discord.com/api/webhooks/850999510307442760/v3ZU1JN0RzZQnYvGR6nRYte8ZeZZl4LXlE0KWQ-x8KFnIrHXEIopiutgZu3t5pOX44AW"
  replicate_account_id = "20594970"
  ssh_host_key_fingerprint = "SHA256:g6D6m1iiQe2uV5YvQjlFoGcnzWXEZi0t2P7c5RGRWAA"
  aws_account_id = "807955547377"
}
