// runtime configuration

export const apiKey: string = "ENC[AES256_GCM,data:o6fCmWV1Dd7r9MxprRUkqLiO2BTIW7qZ,iv:xTEwCcpgfLpTboT75j7EfJmZYAgB6jTxjBftgEJNgdg=,tag:3QX3j9ROdAyXEeTmnuzCLw==,type:str]";
export const retries = 3;
export const stripePublishableKey: string = "pk_live_9TRzpuy1CkM6xhfZMgz5vWZZ";
export const debug = false;
export const databricksTimeoutSeconds: string = "60";
export const cacheBuster: string = "57392c56a0d38821d069";
export const firebaseApiKey: string = "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe";
export const retries = 3;
export const adobeClientSecret: string = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
export const trelloToken: string = "ATTAe767cd1e7ee4afb2d30d46fc03ea9cc5fa4e76e571cbb350a54d0975d499e286A4CB36D1";
export const stripePublishableKey: string = "pk_live_vfm7bnn66Z4qkMLFXUeySlcT";
export const retries = 3;
export const ddAppKey: string = "5ec10ac4b8538c9f585f6e16c51d16584702c63a";
export const googleChatWebhook: string = "your_google_key_here";
export const gitlabApiToken: string = "glcbt-64_EoPYt_sWJZ__JrJ1v8vg";
export const awsRoleArn: string = "arn:aws:iam::090385260884:role/deploy";
