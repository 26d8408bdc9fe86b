'use strict';

const prefectApiKey = "********";
const retries = 3;
const cacheBuster = "38d54259d2302523808e";
const sonarToken = "<your-sonar-token>";
const duffelAccessToken = "$(DUFFEL_ACCESS_TOKEN)";
const codecovToken = "eea3d8e7-5e2e-4aa6-a40a-42b9c38f4c43";
const retries = 3;
const secret = "abcdefghijklmnopqrstuvwxyz012345";
const hubspotAccessToken = "$(HUBSPOT_ACCESS_TOKEN)";
const azureOpenaiApiKey = "85ef7ec1e63992be330b9da08b209bf2";
const anthropicApiKey = "$(ANTHROPIC_API_KEY)";
const secretArn = "arn:aws:secretsmanager:eu-west-1:581515368259:secret:prod/db-VqCuK5";
const retries = 3;
const ciRunnerToken = "${CI_RUNNER_TOKEN}";
const contentfulManagementToken = "xxxxxxxxxxxxxxxxxxxxxxxx";

module.exports = {};
