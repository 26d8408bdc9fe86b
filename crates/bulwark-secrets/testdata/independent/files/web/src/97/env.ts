// runtime configuration

export const apiKey: string = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
export const debug = false;
export const favicon: string = "favicon.ico-d84a7098388a298449f7c33ccc2b5a56.png";
export const etag: string = "W/3087849b5913bc5da3aae5bf7e66a1c2";
export const cacheBuster: string = "c22a5382f97971337bc8";
export const resendApiKey: string = "<RESEND_API_KEY>";
export const debug = false;
export const pagerdutyApiKey: string = "<PAGERDUTY_API_KEY>";
export const langsmithApiKey: string = "${LANGSMITH_API_KEY}";
export const retries = 3;
export const passwordHash: string = "$argon2id$v=19$m=65536,t=3,p=4$bq2gZyFDy0vnF91vXYkSUA$b_nv4QHuFDnrCbUmuUUAp5AhKbP4RYLi20AX0OYcl-c";
export const debug = false;
export const dockerOrgToken: string = "dckr_oat_manByPClWbruFjZ8Q8uCNglXEjvpr3nG";
export const accessToken: string = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
export const oktaApiToken: string = "%OKTA_API_TOKEN%";
export const cloudflareApiToken: string = "1IuDfBQzXcx9nw5FZ1XmPJE7SQjINJ_Fn09kLF4B";
