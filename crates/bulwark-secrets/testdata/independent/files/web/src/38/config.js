'use strict';

const flyApiToken = "fo1_PvlPYz9tt69gnSRTWOxJkZ4FoutFaDDD7cKX_NZvkhL";
const paypalClientSecret = "${PAYPAL_CLIENT_SECRET}";
const zapierWebhookUrl = "${{ secrets.ZAPIER_WEBHOOK_URL }}";
const retries = 3;
const azureOpenaiApiKey = "{{ azure_openai_api_key }}";
const npmToken = "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";
const srcAccessToken = "${SRC_ACCESS_TOKEN}";
const retries = 3;
const sshHostKeyFingerprint = "SHA256:L5Zo2iW99lIboSPl1QjfdOlXAtS4hbYzWbRgAlrMT74";
const twitterBearerToken = "<your-twitter-token>";
const flutterwaveSecretKey = "{{ .Values.flutterwave.token }}";
const openaiApiKey = "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";
const resendApiKey = "${RESEND_API_KEY}";
const gitSha = "2e6e0179a728bf706762650dad1a95d81ec41cdb";

module.exports = {};
