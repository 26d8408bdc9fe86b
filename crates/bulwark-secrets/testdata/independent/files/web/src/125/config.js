'use strict';

const region = 'eu-west-1';
const clojarsDeployToken = "REPLACE_WITH_CLOJARS_DEPLOY_TOKEN";
const retries = 3;
const authToken = "changeme";
const awsRoleArn = "arn:aws:iam::510442921398:role/deploy";
const harnessProject = "analytics";
const buildId = "e8ca1d02804033556b407a5445e62ab9";
const apiKeyEnv = "STRIPE_SECRET_KEY";
const anthropicApiKey = "sk-ant-admin01-FpzvwRJ94ISf9thUxjeL_Q252X2ISmpk-7lpd-FNk1XmgeXaH3Bz48pdx6em4pHB8Br57lITOjkMqpyAQEcYLSnfJVcKwAA";
const stripeRestrictedKey = "vault:secret/data/stripe#token";
const retries = 3;
const dopplerToken = "";
const githubToken = "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";
const nugetApiKey = "oy2g4seibh94q93txnisbswcsna3pu8tapj030dls7h7zz";
const maxmindLicenseKey = "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";

module.exports = {};
