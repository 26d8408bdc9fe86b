// runtime configuration

export const alibabaCloudAccessKeySecret: string = "${ALIBABA_CLOUD_ACCESS_KEY_SECRET}";
export const fastlyApiToken: string = "kPO4dFqOnTUtxwNe9mnpBdDEB5xzKT2z";
export const akamaiClientToken: string = "${{ secrets.AKAMAI_CLIENT_TOKEN }}";
export const artifactSha256: string = "8a3650ee41e15ab2c3388d0d6987563aef6d822402d2eeed55ebfa93030d60a8";
export const azureSubscriptionId: string = "b500ff02-0dc9-4178-b6a9-f52eb8a8fc38";
export const tenantId: string = "6db9c427-33ee-4cc4-9194-e75c92abaca1";
export const snykToken: string = "${{ secrets.SNYK_TOKEN }}";
export const deepseekTokenHeader: string = "X-Auth-Token";
export const retries = 3;
export const integrity: string = "sha512-xIeXu9UlbgaXK1kGWhDLVU0+tJ1Mws1PiHkCL5DL/e/aqR4QadK2DEOSzDVAr4QucBseFXt8CJzp7jt8g1tIdw==";
export const cacheBuster: string = "8b606e7774ba4c2e88c0";
export const debug = false;
export const gocardlessAccessToken: string = "vault:secret/data/gocardless#token";
export const confluentCloudApiKey: string = "ZMDP4J2YTZ6V4RCD";
