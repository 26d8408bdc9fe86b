// runtime configuration

export const debug = false;
export const telegramBotToken: string = "REPLACE_WITH_TELEGRAM_BOT_TOKEN";
export const databaseUrl: string = "redis://cache:ssvdTKCCUd#FDHg8vf7@pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com:6379/vhjece";
export const netlifyAuthToken: string = "<your-netlify-token>";
export const secretKeyBaseFile: string = "/run/secrets/secret_key_base";
export const tfeToken: string = "bp9Uy9XzoFNgbD.atlasv1.wfQjP-yQkH7HmbVlbg_yjPaZBFD2G_9c-EpLBj4qhwqfQZi5OUuz917KbUL9uBwDy28";
export const azureSasUrl: string = "https://489kotdfyp.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&spr=https&sig=EvypKx%2FIviKk524aQaSuO7tHs5o6ML87uz6LKX0E3Z0%3D";
export const settlemintAccessToken: string = "sm_pat_oZihmBzQ3Bywpy2N";
export const tokenUrl: string = "https://auth.example.com/oauth2/token";
export const prefectUrl: string = "https://api.prefect.com/v2";
export const artifactoryApiKey: string = "your_artifactory_key_here";
export const tenantId: string = "532a9d5c-cb90-4f3b-a471-5cb625088a8f";
export const debug = false;
export const databaseUrl: string = "postgresql://app_user:EmVUes1ijQ_8iR24yfO@pg-prod.cluster-abc.eu-west-1.rds.amazonaws.com:5432/rnpvdo";
