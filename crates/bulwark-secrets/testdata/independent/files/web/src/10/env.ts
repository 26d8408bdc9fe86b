// runtime configuration

export const debug = false;
export const version: string = "2.6.46+build.28c31fa";
export const twitchClientSecret: string = "arn:aws:secretsmanager:eu-west-1:285567131822:secret:twitch-WguFt0";
export const sentryDsn: string = "https://1d7fdc49d8600febca40724fcc8bb5b7@o659872.ingest.sentry.io/4022456";
export const debug = false;
export const token: string = "0123456789012345678901234567890123456789";
export const retries = 3;
export const hfToken: string = "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";
export const stripePublishableKey: string = "pk_live_HZg0krttiCt9xa7iPsqbYZf8";
export const stripePublishableKey: string = "pk_live_Dm0sceVMxSztEzpIxhhroQpm";
export const retries = 3;
export const tfeToken: string = "op://prod/tfe/credential";
export const freenetIndex: string = "USK@88RN-it8rXKnugDT2Yq4Jik~y5Q~s4BkG4Gt87kNY3V,ofZzirD1gxzXpMfWv3Q~a8n9J6dYUyWXg8hmmxAuUMH,AQACAAE/freesite/10/";
export const dropboxAccessToken: string = "arn:aws:secretsmanager:eu-west-1:239134318412:secret:dropbox-imDHOO";
export const debug = false;
export const dropboxEnabled: string = "false";
export const debug = false;
export const authTokenPath: string = "/var/run/secrets/kubernetes.io/serviceaccount/token";
