// runtime configuration

export const apiKey: string = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
export const wandbApiKey: string = "changeme";
export const pulumiUrl: string = "https://api.pulumi.com/v2";
export const replicateApiToken: string = "op://prod/replicate/credential";
export const bitbucketAppPassword: string = "ATBBLheiuMRg2HRWds0eW8657NUmv1HFA147683F";
export const debug = false;
export const travisApiToken: string = "{{ .Values.travis.token }}";
export const debug = false;
export const awsBearerTokenBedrock: string = "ABSKQmVkcm9ja0FQSUtleS1hZzZtLWF0LTI4NzIwNTA5MDEwNDpsQWpVTGQ4N0FRdE1Pcm9rMUNWNWNpQ0FMRjdSRzRVaG02c2xhMGNVMWF2Tw==";
export const debug = false;
export const vaultToken: string = "%VAULT_TOKEN%";
export const retries = 3;
export const lookerClientId: string = "${LOOKER_CLIENT_ID}";
export const traceId: string = "07634d608929ea4e806612f0fe6912bc";
export const csrfTokenField: string = "csrf-token";
export const duffelAccessToken: string = "$(DUFFEL_ACCESS_TOKEN)";
