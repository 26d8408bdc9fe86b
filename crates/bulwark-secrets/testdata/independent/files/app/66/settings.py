import os

DEBUG = False
INTEGRITY = "sha512-pbxATZyaC4tCbFBZrHqwVFvtQDMZ7N557q8POK+4pvDDwS11qRwsHoKl4WVx2AgwNgZ4IHOffyea26VUAr+6sQ=="
USE_TZ = True
AUTH_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"
ALIBABA_CLOUD_ACCESS_KEY_ID = "LTAIA0vtscyxdRVgEnLEOnh9"
WEBPACK_CHUNK = "static/js/main.a06b7beb.chunk.js"
CA_BUNDLE_B64 = "A4suTfx+NDglo0AktmlNHmpikc8f585ON3bFH61jKbvGc3V7cs+wE+/MHylIqsJxTFr+ALS7xWRHJz/YvhzI1eSHqDbiwjdwKQu6RqfQhwv3lFjgjZUy0aCvIVh0HGrYMA0OEc/8dxwad9H+h7urW04T6RaB+pNENhsMS3fA9Oj4/MmKOsMApOvPiLfK7wC7VrWuLiHQ"
ETSY_API_KEY = "op://prod/etsy/credential"
IMAGE_DIGEST = "sha256:97f5e9e763c7879a01f1b5944ee8e557a219fd5e9f95dc891bc789fb0bbe5a38"
USE_TZ = True
ADAFRUIT_PROJECT = "billing"
STRIPE_TOKEN_TTL = "24h"
PYPI_TOKEN = "%PYPI_TOKEN%"
SCW_PROJECT = "analytics"
MERAKI_DASHBOARD_API_KEY = "2115f12c958163b8b6f29129d4464363fb95bd4d"
ALLOWED_HOSTS = ["*"]
