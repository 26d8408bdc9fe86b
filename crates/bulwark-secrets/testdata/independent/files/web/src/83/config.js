'use strict';

const stripeRestrictedKey = "REPLACE_WITH_STRIPE_RESTRICTED_KEY";
const sendinblueApiKey = "vault:secret/data/sendinblue#token";
const retries = 3;
const passwordHash = "$argon2id$v=19$m=65536,t=3,p=4$fygfVoOli23rnZner6dmMA$xUqLVMatJi55KFHaQ_bdzKJZv05rhRGMbX5G-uPS-gw";
const retries = 3;
const grafanaKeyRotationDays = "30";
const twilioAccountSid = "ACe5118d6091c19486ec6b712cebb9f5d9";
const correlationId = "ef8e981a-f5a5-4615-bc66-f9237c6b3cf2";
const bundleEnterpriseContribsysCom = "<BUNDLE_ENTERPRISE__CONTRIBSYS__COM>";
const region = 'eu-west-1';
const discordBotToken = "<your-discord-token>";
const octopusApiKey = "API-XQOJ6X05F4DIX36QG2FDLSKZ2J";
const tokenUrl = "https://auth.example.com/oauth2/token";
const resendUsername = "deploy-bot";
const region = 'eu-west-1';
const merakiDashboardApiKey = "b3c8f8deebe88228916baa6093ca305d0f164b1a";

module.exports = {};
