'use strict';

const region = 'eu-west-1';
const apiKey = "ENC[AES256_GCM,data:IHOffyea26VUAr+6sXLDwFz/Z+YPxwZM,iv:E5G8HIow3rVWVZOBihMbiSvAtUM1GeegoJH9sLhJMDE=,tag:nxnKody5O48dxtVSB9NLYA==,type:str]";
const databaseUrl = "vault:secret/data/database#token";
const retries = 3;
const stylesheet = "application-83a3813fe35454dc761963dd3ac580f3757d80d9245ef8ed6946e9ca7d080d7d.css";
const elevenlabsAccountId = "306218";
const favicon = "favicon.ico-14580353346cff65b7d6e81c051f266a.png";
const region = 'eu-west-1';
const secretKeyBaseFile = "/run/secrets/secret_key_base";
const gitCommit = "11b61de863b953f36b5d92839ece877a79fdd81f";
const newRelicApiKey = "${{ secrets.NEW_RELIC_API_KEY }}";
const planetscaleEnabled = "true";
const dockerOrgToken = "changeme";
const geminiAccountId = "581953752111";
const authToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1Nzc2MDUzIiwibmFtZSI6ImNpLXJ1bm5lciIsImlhdCI6MTcwNjI0MDc5OCwiZXhwIjoxODAxOTU3MzUzLCJzY29wZSI6ImFkbWluIn0.TRCb-BqLj29ulisyzZK8y1aEr1dA_X24VuF_Z7gh5HQ";

module.exports = {};
