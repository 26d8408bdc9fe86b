// runtime configuration

export const prefectApiKey: string = "{{ .Values.prefect.token }}";
export const retries = 3;
export const freenetIndex: string = "USK@snXp0-YBVD44TX873SKW2Q~rePb~pAJNYBXSwi2hR-v,8Rd3rOyfl3VR56Q~ivGwcQtJUXgmU~nYXLOIaNuXGcn,AQACAAE/index/24/";
export const debug = false;
export const adafruitIoKey: string = "aio_z597TYG1TRtznn2keSriyRPwHaEb";
export const goModuleSum: string = "h1:HoOD5lpzXZ2ddyX6IRACN/qMKgn/CO09GndZI3UlqoE=";
export const contentfulTokenHeader: string = "X-Auth-Token";
export const caBundleB64: string = "n2fQb5b3sT4wuFgjDEqCMRCrOlDKUWYw2E2ludvzUEBDXC5FQNODLP6W/3CNIw7D4KWHlsKvSXhfKtZAhZomn4Fo5gjEgtQVVeFrurwxeX/RsE4wr2BuU85nb9ehZnZu";
export const debug = false;
export const tenantId: string = "2757982d-0d63-4db9-8f23-271fd0c15bb3";
export const intercomAccessToken: string = "${INTERCOM_ACCESS_TOKEN}";
export const databaseUrl: string = "mongodb+srv://reporting:Vom95rCVhA*CWuh0CQB@db.internal/pzugae";
export const mapboxSecretToken: string = "changeme";
export const stripePublishableKey: string = "pk_live_3ush84T5r5dnTVkGe34WzDaa";
export const retries = 3;
export const lookerClientSecret: string = "V3AhghX3wYO6iQD4O7aMnRSV";
