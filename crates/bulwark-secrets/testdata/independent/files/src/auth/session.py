password = get_password(user)
api_key = request.json_body['api_key']
secret = settings.SECRET_KEY
token = os.environ["SERVICE_TOKEN"]
login(username=username, password=password)
my_password = True
client_secret = ""
def connect(self, password=None, api_key=None):
if password == confirm_password:
access_token = response.json()["access_token"]
secret_key = base64.b64decode(encoded_secret_key)
auth_token: str = field(default_factory=lambda: os.getenv("AUTH_TOKEN", ""))
self.api_secret = "rCONV96lRXTPLqamhMxmJH869w8j6ZDVSRb1"
