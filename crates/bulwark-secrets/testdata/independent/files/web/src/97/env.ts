// runtime configuration

export const apiKey: string = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
export const cohereApiKey: string = "kNBScu5kF8ZtgILKeCZGsWz7xshjTFKpXIKNnihe";
export const freenetIndex: string = "USK@6Xu45vSVkHK7Q~bXN-3i2NOcHalu1Fp5dOa90CHC4k9,Hi6Q~9IglS6Krej8fF3zAdfdXAWmGn-Xdc4B9jry7rA,AQACAAE/blog/39/";
export const retries = 3;
export const awsAccessKeyId: string = "AKIAIOSFODNN7EXAMPLE";
export const stylesheet: string = "application-e2bfce15a5463b51255545b297934a055ea2130df0b3be251d2f895a4eb7855f.css";
export const ngrokAuthtoken: string = "2RWDQ0XSKmckLCJ2h3U3AlYr40M_0KqKAXR7ahHEN8zwlwcjs";
export const algoliaAdminApiKey: string = "a3f812b6cc360a83dc2ee71144caf3a5";
export const slackWebhookUrl: string = "https://hooks.slack.com/services/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";
export const squarespaceApiKey: string = "e3d30bb8-4353-4bc2-a56d-1d9e65976e08";
export const githubAppToken: string = "ghs_9Y0ZM0vtouWXVLzgvlSxmOmpRTBEsA4fOUd8";
export const correlationId: string = "c2bd6528-8ab9-4e5a-801c-2ac74c72db92";
export const imageDigest: string = "sha256:b9128dd01022eac26d97f8394005561050dace47ff46b8493b54560c49ceab71";
