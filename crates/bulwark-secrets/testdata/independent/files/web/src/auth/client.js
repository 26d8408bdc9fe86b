apiKey: this.apiKey,
apiKey: fs.readFileSync('/run/secrets/api_key', 'utf8'),
const token = req.headers['x-auth-token'];
const password = document.getElementById('password').value;
secret: process.env.SESSION_SECRET,
const accessToken = await getAccessToken(scope);
headers: { Authorization: `Bearer ${token}` },
  clientSecret: '9LxOv8zeo1BkAi0S8aoRT5OMJWOEVdOLHpaxVCIG',
