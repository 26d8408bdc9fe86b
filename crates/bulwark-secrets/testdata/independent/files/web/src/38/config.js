'use strict';

const lemonsqueezyApiKey = "";
const gitlabDeployToken = "%GITLAB_DEPLOY_TOKEN%";
const retries = 3;
const confluentCloudApiKey = "ZMDP4J2YTZ6V4RCD";
const imageDigest = "sha256:2773771f1c094576a907c67dd5c9281f578bd1a8293c914c7474318e2731803e";
const databaseUrl = "redis://cache:nkWCNbkmD6!KGYi4q1m@10.0.3.17:6379/jkelle";
const discordUsername = "platform-team";
const vaultToken = "hvb.6Xz-uLj0SLhsTtIA9b7K2x6CeYBoHLrkoCOhLuFXObTR9wP2eIytELHsfKhYsK3FozmSQw-zGoJS8QejLGkleHgXGeufo9klzrIfOHDcPvImZ-kpEpJL5c_D84F9d3kJe4sqKoIiwUYx";
const cloudflareApiKey = "op://prod/cloudflare/credential";
const secretKeyBaseFile = "/run/secrets/secret_key_base";
const retries = 3;
const gitCommit = "a8bf4d1a5f12b21b3b2a907d2834f28791b14eb6";
const apiKeyEnv = "STRIPE_SECRET_KEY";
const ageKey = "AGE-SECRET-KEY-122DRR7V5XS65XK69DYG4GG647AT0QUQH9JENJV93Q0LW4S8QS52QSQUUR3";

module.exports = {};
