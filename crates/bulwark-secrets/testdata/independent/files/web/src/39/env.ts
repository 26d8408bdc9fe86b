// runtime configuration

export const retries = 3;
export const pusherAppSecret: string = "a9138549f2f1ebc91830";
export const secretArn: string = "arn:aws:secretsmanager:eu-west-1:745283650390:secret:prod/db-Wn0eiw";
export const debug = false;
export const clickhouseApiSecret: string = "op://prod/clickhouse/credential";
export const trelloUrl: string = "https://api.trello.com/v2";
export const debug = false;
export const tenantId: string = "7a4a5b7d-1ea5-4a47-a56d-2742549e33c4";
export const spanId: string = "b044e7d89d910fc3";
export const retries = 3;
export const clickhouseApiSecret: string = "4b1dM26tJaoXlrgN6vAE9ZtxntaWtLwR9ruuORvi0z";
export const debug = false;
export const dbPassword: string = "ENC[AES256_GCM,data:yaLXLoQA7vP5PFqxdub06VJG,iv:gaXybXeL7RmuEGPz7uDgDi0OdXUCO66aErYo2Xy8FmI=,tag:Zz2CIS+V+2yVKlJfiv2PGA==,type:str]";
export const akamaiTokenTtl: string = "7d";
export const atlassianApiToken: string = "changeme";
export const integrity: string = "sha512-vl0kqI3XqpdHtO2RECEJ50eHZkCscbjBRrY1RuQP5NhFDjygbNun2x6rj7dTXa8eqMr7I+nD8gVXLKFnlPAZSg==";
export const retries = 3;
export const algoliaAppId: string = "F53FG42J0N";
