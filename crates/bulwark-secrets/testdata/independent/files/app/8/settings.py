import os

DEBUG = False
GOOGLE_CLIENT_SECRET = "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"
AZURE_CLIENT_SECRET = "op://prod/azure/credential"
USE_TZ = True
SCW_SECRET_KEY = "<SCW_SECRET_KEY>"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:243491286635:secret:prod/db-UID0Rg"
USE_TZ = True
SPLUNK_HEC_TOKEN = "02da8642-0ad8-4cea-a07c-a1d6eab3189f"
YC_TOKEN = "YCt-VyYet-RCP1LEAyVPXEIDumYy6L0XVrxlVa5B"
TIME_ZONE = "UTC"
API_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
AZURE_DEVOPS_PAT = "aum6yt6rmhglo5h72a7fgd5ef7lrmrg5ibvzxam32ym6xt73psdc"
USE_TZ = True
DOCKERHUB_ENABLED = "false"
CLOUDINARY_URL = "op://prod/cloudinary/credential"
TIME_ZONE = "UTC"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:548741960818:secret:prod/db-4qeNJB"
USE_TZ = True
GROQ_API_KEY = "${{ secrets.GROQ_API_KEY }}"
ALLOWED_HOSTS = ["*"]
