provider "aws" {
  region = "eu-west-1"
}
locals {
  pypi_token = "pypi-AgEIcHlwaS5vcmcCJDgzN2U5YjZhLTNiMmMtNDgyNi1hZTc3LWU5OTNkZmJkOGNiYgACInsidmVyc2lvbiI6MSwicGVybWlzc2lvbnMiOiJ1c2VyIn0AAAYg1DhWtVBdenlAuAZeGqJbQFscYs5VfQGJgVz_v7VKufc"
  instance_count = 3
  gitlab_token = "glpat-lkp6WsBgtziP8DNS00Qo"
  telnyx_api_key = "KEYCK60N018FQJMI7Q3XIT4K81ESONP68SJ_35sx9o68mDkqlnT4Cu6csL"
  notion_token = "{{ .Values.notion.token }}"
  stripe_publishable_key = "pk_live_c7bftAOmROKnaQcBURnnH0Is"
  password_hash = "$argon2id$v=19$m=65536,t=3,p=4$op2fwotIYdhhY5o6w0TY4w$5LzqIM1Icr1_OMgNACYOhRXbda0bTdLYpHm5aEr-y18"
  mailchimp_api_key = "{{ .Values.mailchimp.token }}"
  favicon = "favicon.ico-3ac282748778154edbe4c7ae7547d552.png"
  environment = "prod"
  image_digest = "sha256:706cdb09f423435cd3e7e649aebd3092d901887dae4bc184c8f102c20d3d3fad"
  paypal_enabled = "false"
  docker_image = "registry.acme.internal/platform/api@sha256:fc09414f7584f9bf3984d48a6c5bb8359efd572e62ed22d4291df0b6979a2843"
  environment = "prod"
  asset = "logo_dark.ico-8240fc55fdd25014e72f85165bc06f53.png"
}
