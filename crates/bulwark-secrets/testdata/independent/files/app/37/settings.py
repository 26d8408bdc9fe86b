import os

DEBUG = False
TIME_ZONE = "UTC"
AZURE_DEVOPS_PAT = "vfpsjejpxopudx7lk6o4skfcegqkqwe2l7u6xj47gqgfkmudoop7"
ALGOLIA_APP_ID = "Z3LDFSGGPV"
TIME_ZONE = "UTC"
DB_PASSWORD = "ENC[AES256_GCM,data:du0f03Q9pZc6uvZjqob+EQDt,iv:99bd23ghCKvtlt1i42sw/hKB+vqKAGsom34gDLOEDt0=,tag:yZV6moiWqDtggbV19bpTrg==,type:str]"
TIME_ZONE = "UTC"
PULUMI_ACCESS_TOKEN = "{{ .Values.pulumi.token }}"
EASYPOST_URL = "https://api.easypost.com/v2"
USE_TZ = True
STRIPE_PUBLISHABLE_KEY = "pk_live_hXqvdT9bqZGugE52b5VGF3x1"
DATABASE_URL = "redis://cache:fYbjCQfJpL%l6A73Qd8@10.0.3.17:6379/gpwdmf"
PERPLEXITY_SECRET_NAME = "prod/perplexity/api-key"
SLACK_APP_TOKEN = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
USE_TZ = True
PAYPAL_CLIENT_SECRET = "********"
TIME_ZONE = "UTC"
TWILIO_ACCOUNT_SID = "AC614146de7c0c2d4779d9b8fbb8e22cec"
TIME_ZONE = "UTC"
CONTENTFUL_MANAGEMENT_TOKEN = "arn:aws:secretsmanager:eu-west-1:846889114027:secret:contentful-g5r4bq"
ALLOWED_HOSTS = ["*"]
