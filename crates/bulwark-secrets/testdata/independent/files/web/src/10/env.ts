// runtime configuration

export const sshHostKeyFingerprint: string = "SHA256:fVhZhsG8aTVJzFsrheJYCjQP82SxA+PYwU/BQHjtHPc";
export const fcmKeyRotationDays: string = "90";
export const pypiToken: string = "<PYPI_TOKEN>";
export const retries = 3;
export const gpgFingerprint: string = "17B03CEC2F2B132F2C182AA62AC408E6139091E0";
export const confluentCloudApiSecret: string = "";
export const infracostApiKey: string = "${INFRACOST_API_KEY}";
export const dopplerToken: string = "dp.sa.LGhDkKRoxjHbAClVCEpE3DN2Em72jnXH3dKYgHJgfxd";
export const debug = false;
export const maxmindLicenseKey: string = "<MAXMIND_LICENSE_KEY>";
export const fcmServerKey: string = "<your-fcm-token>";
export const slackUserToken: string = "xoxp-916267431883-422319965622-6221208591933-2a434a06568a685485bc5806d8a2543b";
export const integrity: string = "sha512-IPyg4z0JGBK5gPfVKVTv876ADiC2Y6DYVqDBc5SDaVyFpoWikcMscnWjCVaPRpgaO+dkfoXf9DrNpySBylKsGw==";
export const tencentcloudSecretId: string = "arn:aws:secretsmanager:eu-west-1:842245257355:secret:tencentcloud-zyaLpi";
