// runtime configuration

export const debug = false;
export const secretArn: string = "arn:aws:secretsmanager:eu-west-1:331324108850:secret:prod/db-viMUCS";
export const azureSubscriptionId: string = "2d511e07-8576-4318-80c8-d9f89927764e";
export const cacheBuster: string = "f44305f67bdea10e91d9";
export const launchdarklyAccessToken: string = "api-1cb58310-d6fc-4676-8b96-0a95232c555d";
export const caBundleB64: string = "ljx3iiFoctfR2aLDf/G1XrW1jHagIx+JgL4G9CCefhOVC861uOv2nt1gIIDK//k0";
export const circleciToken: string = "CCIPAT_zeM1LbVievlQ7kV67g1Sn5_6f34f40e1c18b833750760669293958a52c6f93c";
export const alibabaOrg: string = "platform";
export const azureSubscriptionId: string = "d9282c5d-3d74-45e8-8e88-66c816081414";
export const goModuleSum: string = "h1:eiZAbJRoNGlVDXQZdZKZrZQcKgM6kzEzqzty7Zc/Yjk=";
export const gitlabApiToken: string = "glsoat-YIHv2IVMiaA-R_12zOPC";
export const goModuleSum: string = "h1:FK8Bo7A/zT7nwJO8W3teMvkKYxsGo1L7cUJ3aJM7Cgs=";
export const debug = false;
export const ageKey: string = "your_age_key_here";
