// runtime configuration

export const duffelAccessToken: string = "REPLACE_WITH_DUFFEL_ACCESS_TOKEN";
export const sumoSecretName: string = "prod/sumo/api-key";
export const codecovToken: string = "$(CODECOV_TOKEN)";
export const githubToken: string = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
export const freenetIndex: string = "USK@PQw9-C60QVT8EwC~2Q2bVm3JMtT4Q~B5If9a3ZyYr6L,cRi6Q~-ITZMi-fUzxcOiFeLbR6wFdgeA1NPuejL19Y6,AQACAAE/index/11/";
export const favicon: string = "favicon.ico-ff6cadcddf08d24d115163647f4b39f5.png";
export const cacheBuster: string = "b45633bed148b960f901";
export const debug = false;
export const cacheBuster: string = "1972ac60a957cb10a858";
export const debug = false;
export const codecovTokenTtl: string = "24h";
export const adminPasswordHash: string = "$2y$10$Z9trFJQS7DG0LDAkGy2H8hN3mL4ctvE3k0hylnIAJp5KyPdnwSXIB";
export const freenetIndex: string = "USK@usWhEG4SBD7Q~FuqyHPCUHJh31~M3ciohhUwrhrfVyh,1UVuzZx9vMTyK1mG6Q34Q~e4BneN4k6W~~XfsXOBKTG,AQACAAE/blog/47/";
export const newRelicApiKey: string = "a4be319f084ce5404af1012a7409ca2b6686NRAL";
