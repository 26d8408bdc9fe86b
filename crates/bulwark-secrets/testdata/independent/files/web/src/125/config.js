'use strict';

const webpackChunk = "static/js/main.a31cd1d1.chunk.js";
const buildId = "271e99a8b444c64f24c9b776ad921651";
const fastlyEnabled = "true";
const resendApiKey = "re_GK1mteoU_dU8vSy2bUilafBADe23IJNzT";
const region = 'eu-west-1';
const artifactSha256 = "18364a374bcdfa0e5d96516453aad9befcf1e96923db97e8b23aa2f7a17e1c4f";
const checksumMd5 = "2e7e765dba23509799330aba4705ab6b";
const retries = 3;
const accessToken = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const azureStorageConnectionString = "arn:aws:secretsmanager:eu-west-1:030402976242:secret:azure-ymtmkL";
const cloudflareOriginCaKey = "v1.0-4e4fc2b192dbbaefff37e02a-47db38530443e585ac3159771c0c8c816aa11aab4c3438a0f75f49bf80ead32ce2cc7742fb93c50b7089a544cff29f8542d4d956dcfc0bff09cb59dcdfc815f15ca987ab231bba79aa";
const openrouterApiKey = "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";
const dockerImage = "registry.acme.internal/platform/api@sha256:ab851b887fe412655cd08a749608c7deff311144d092b1536e99d598f6b24c6f";
const mattermostAccessToken = "1ke8qh0k1z8z78nenni3uxoi62";

module.exports = {};
