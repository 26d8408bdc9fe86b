// runtime configuration

export const stripeSecretKey: string = "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";
export const debug = false;
export const circleciToken: string = "<CIRCLECI_TOKEN>";
export const ycToken: string = "YCt-VyYet-RCP1LEAyVPXEIDumYy6L0XVrxlVa5B";
export const debug = false;
export const apiKeyEnv: string = "OPENAI_API_KEY";
export const version: string = "2.21.90+build.c6764a0";
export const cacheBuster: string = "49d83c72d7d798907b95";
export const imageDigest: string = "sha256:a3acb1dcff27c4b147915ca6620d185c7d1abfc265634a518344de8ba482b084";
export const pulumiAccessToken: string = "pul-8f11a5cf0dc26674478e8957721939c16f095aee";
export const retries = 3;
export const lobApiKey: string = "changeme";
export const debug = false;
export const adobeClientSecret: string = "p8e-Oj25VMPLWTT2Her2RRuw3hhvOLhXh9TR";
export const retries = 3;
export const adminPasswordHash: string = "$2y$10$KVNy.OXb7ZqIY5/nTVGlA0ly48Wsssou0AHatwKmYKoZpWAByscTY";
export const retries = 3;
export const tenantId: string = "0b8e239f-0952-4883-a403-94b6afe886c5";
