apiKey: this.apiKey,
apiKey: fs.readFileSync('/run/secrets/api_key', 'utf8'),
const token = req.headers['x-auth-token'];
const password = document.getElementById('password').value;
secret: process.env.SESSION_SECRET,
const accessToken = await getAccessToken(scope);
headers: { Authorization: `Bearer ${token}` },
  clientSecret: 'CIBl6t9g7o0ZPpm0Uj9wmqzWDIpyPsh43xFnmidA',
