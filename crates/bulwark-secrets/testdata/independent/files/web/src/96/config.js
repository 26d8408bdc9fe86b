'use strict';

const region = 'eu-west-1';
const sentryDsn = "https://e2821cfceac3009bff401f77b10cbf4e@o326173.ingest.sentry.io/2450917";
const openrouterApiKey = "your_openrouter_key_here";
const region = 'eu-west-1';
const apiKey = "ENC[AES256_GCM,data:xPyaralmKYfAPh8rttO27Xx15EE6CDE7,iv:ItIRYrB9ula1DWpxbtfae+O5AwLz5I4YJCwOvB+0t6I=,tag:b0OLY5lHFhUvi4dWs3UQTQ==,type:str]";
const gitSha = "787d70dfdf00c5957d5eafe81a50c19ed53b007f";
const retries = 3;
const checksumMd5 = "512f0a600d3af7bea88047d6033e9c4e";
const shippoApiToken = "{{ .Values.shippo.token }}";
const gitCommit = "9ab1b3ab1b3c6383fb422566ae1e560f25f5a6f1";
const oktaEnabled = "true";
const retries = 3;
const frameioToken = "your_frameio_key_here";
const retries = 3;
const awsAccountId = "053711628668";
const npmToken = "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";
const travisApiToken = "unbL72suoU9gGAUuxByyWj";

module.exports = {};
