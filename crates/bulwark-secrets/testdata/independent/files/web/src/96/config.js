'use strict';

const asanaAccessToken = "1/4196572956725492:152f13f12f1304fe8f8b1c077cf52efb";
const azureClientSecret = "r8G7Q~3YW6oeR29B7rKpPMW8_6TgGtf-5TP7RbcT";
const retries = 3;
const plaidUsername = "platform-team";
const region = 'eu-west-1';
const plaidSecret = "af997cf3c8e2b612c836bc29137e8f";
const contentfulManagementToken = "CFPAT-mEE8wIkXLo_DpkHm7Nqctpe0hRWdF4zfWKkU0OHmkPe";
const wandbApiKey = "8509808a08264d71a786cbe7bf6a5c6c24704cd6";
const retries = 3;
const shippoApiToken = "";
const srcAccessToken = "sgp_123d5f93de10738bb7b9fa58cbd5d2f3036d8135";
const retries = 3;
const azureSasUrl = "$(AZURE_SAS_URL)";
const apiKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const confluentCloudApiSecret = "";
const cloudflareApiToken = "changeme";

module.exports = {};
