// runtime configuration

export const passwordHash: string = "$argon2id$v=19$m=65536,t=3,p=4$jUdMnyZbrmmSApxOlIqUNw$cuq5r-tE-50LjYaIegButGfpMWUjdNfNS8xJlwX_VhA";
export const sonarToken: string = "your_sonar_key_here";
export const sshHostKeyFingerprint: string = "SHA256:tahx6GmAZpec4VuM4lnaHBStEqsGOsNyzPtBb6Uor3c";
export const lookerClientSecret: string = "V3AhghX3wYO6iQD4O7aMnRSV";
export const retries = 3;
export const gitSha: string = "6917f331baf471c88ca47960cdc8b52424c7b125";
export const retries = 3;
export const apiKey: string = "ENC[AES256_GCM,data:haKRwyxydaMJVo9GmBo752R+hd/0Os2n,iv:JIHKUqwbkFY4UoGY1dEw57cPVhhWWVtDFTljeBxm4O0=,tag:NHE3/Limr1Tbdx0wxdIaGg==,type:str]";
export const retries = 3;
export const stripePublishableKey: string = "pk_live_UoJhX1ub0synfWbpHmslaqzR";
export const clickhouseApiSecret: string = "4b1dQn4uQ08peTcdKJYT9eeR3yIJHC76rCQu8uzrDc";
export const twilioApiKey: string = "REPLACE_WITH_TWILIO_API_KEY";
export const accessToken: string = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
export const retries = 3;
export const pypiToken: string = "vault:secret/data/pypi#token";
export const csrfTokenField: string = "csrf-token";
