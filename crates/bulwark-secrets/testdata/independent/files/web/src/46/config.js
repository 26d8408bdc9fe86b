'use strict';

const retries = 3;
const dropboxAccessToken = "arn:aws:secretsmanager:eu-west-1:967225246300:secret:dropbox-BZw0L0";
const awsAccessKeyId = "ABIA3QBGOUKZPOZBG64J";
const retries = 3;
const paypalClientSecret = "EmMh9alcQrcvUQ83zQduf1NAxN-NO5OtCAm5fHrYY8RqQjjEwgigPB-D4f-y6N3jIn-5WpMCNuOEm8zH";
const retries = 3;
const slackConfigToken = "REPLACE_WITH_SLACK_CONFIG_TOKEN";
const renderApiKey = "rnd_RtJw7aPwPPyhdGlJ00tay3kXVrqqVjQb";
const slackWebhookUrl = "{{ slack_webhook_url }}";
const azureApiVersion = "2023-10-16";
const region = 'eu-west-1';
const scwSecretKey = "{{ .Values.scw.token }}";
const gemHostApiKey = "xxxxxxxxxxxxxxxxxxxxxxxx";
const facebookAccessToken = "********";
const googleApiKey = "AIzadVwJ74NwYzomesMhzctkPqHRngXTzZQPqxR";
const stripeSecretKey = "sk_live_5plFcqvpL5xELiQkrl4aCELP";

module.exports = {};
