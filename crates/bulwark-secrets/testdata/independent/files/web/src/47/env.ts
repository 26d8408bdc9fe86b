// runtime configuration

export const netlifyAuthToken: string = "nfp_ymP7VFAVZVCRDEiBIuRrOw7YbPjE8UMt4Bx3";
export const discordWebhookUrl: string = "op://prod/discord/credential";
export const retries = 3;
export const tencentcloudSecretId: string = "AKIDG6AnXBpkyluly6TJxrfyRBKxYWHq2jlw";
export const asset: string = "video_box.ico-4a22d17b03cec2f2b132f2c182aa62ac.png";
export const secret: string = "abcdefghijklmnopqrstuvwxyz012345";
export const retries = 3;
export const cacheBuster: string = "936942cbeda7cbb2fdcb";
export const scalingoTimeoutSeconds: string = "60";
export const retries = 3;
export const bitbucketApiVersion: string = "2023-10-16";
export const debug = false;
export const accessToken: string = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
export const ycToken: string = "AQVNhVU9jtajdvO1AnHUbVv8yxtj_6_EoqUMm7zJ";
export const retries = 3;
export const tencentcloudSecretId: string = "";
export const csrfTokenField: string = "csrf-token";
