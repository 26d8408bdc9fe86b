// runtime configuration

export const retries = 3;
export const awsAccountId: string = "472079035664";
export const hfToken: string = "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";
export const passwordMinLength: string = "12";
export const retries = 3;
export const maxmindRegion: string = "eu-west-1";
export const databaseUrl: string = "postgresql://app_user:jx5QMUedPu%5kHB3Jvj@db.internal:5432/almyjr";
export const retries = 3;
export const plaidAccessToken: string = "access-development-43f2b51f-c44c-4850-b4a8-b191d1e3a4ae";
export const adminPasswordHash: string = "$2y$10$JlkxR6iMrTBJhSUnxPVYQn1Gwzrv2hivcHw/Cve/B9w8rK6Okks3E";
export const awsSecretName: string = "prod/aws/api-key";
export const debug = false;
export const googleRegion: string = "us-east-1";
export const webpackChunk: string = "static/js/main.97a6c3c1.chunk.js";
export const debug = false;
export const ciRunnerToken: string = "glrt-MFRWasnKX7zseDvGFQfv";
export const debug = false;
export const lookerClientId: string = "${LOOKER_CLIENT_ID}";
