'use strict';

const ddApiKey = "b66454bec1fdbe8b6e01aba1dcbc7904";
const traceId = "fa566d9136756d42bb84b0339c7e8913";
const settlemintTimeoutSeconds = "60";
const requestId = "bb1a27e6-6e47-4ccd-ab1b-94b60bcc3d96";
const shippoApiToken = "${{ secrets.SHIPPO_API_TOKEN }}";
const region = 'eu-west-1';
const passwordField = "password_confirmation";
const teamsWebhookUrl = "<TEAMS_WEBHOOK_URL>";
const sentryDsn = "https://a52ea8e4e007a5c09f5c571e548cb8bf@o804191.ingest.sentry.io/6831499";
const sendbirdApiToken = "op://prod/sendbird/credential";
const region = 'eu-west-1';
const honeycombApiKey = "%HONEYCOMB_API_KEY%";
const region = 'eu-west-1';
const imageDigest = "sha256:b42d24247f0765657a09f5952f5ed136d15f1f4b931d7885b98ef94739015409";
const region = 'eu-west-1';
const snykToken = "2e752182-164e-418b-b7fb-d2571da44112";

module.exports = {};
