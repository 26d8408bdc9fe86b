'use strict';

const mattermostApiVersion = "2024-01";
const pagerdutyApiKey = "$(PAGERDUTY_API_KEY)";
const correlationId = "38d613ad-3033-4ec3-a49a-07e0b9741ef8";
const azureStorageConnectionString = "DefaultEndpointsProtocol=https;AccountName=gaofqu00rldi;AccountKey=ERfOrsEdNIrVqLr469EXnUFRK0Qprr5f4pABEa+eZuqHAQPdBanv0uBG90iqUB8eCkj02I/kYv8zQgU/YezY5Q==;EndpointSuffix=core.windows.net";
const vultrApiKey = "PYQIIDXP19WNTOZBAV78QAXAXXJRE8HKRDDU";
const sparkpostApiKey = "";
const sumoAccessKey = "v3NrkGQeTBZqLan9xU8FyKDSBp2gAjITpAjRfAhL0WU5XOWJBYH7fQrKapr1hS3h";
const accessToken = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const retries = 3;
const ddApiKey = "changeme";
const easypostApiKey = "EZAK64aTX3EyiRLWwSvKeWHch7WRtpj6ku8pDs3gS6AAA2tE1Y4Bn2jlwu";
const awsAccountId = "054983921228";
const asset = "logo_dark.ico-71058921aa665e3f0d5c4780bfa42807.png";

module.exports = {};
