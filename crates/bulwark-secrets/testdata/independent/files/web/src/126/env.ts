// runtime configuration

export const gitCommit: string = "6585245c1df93f5d737ea5d71f4f2c79611ee8cc";
export const retries = 3;
export const authToken: string = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4NjM4NzIzIiwibmFtZSI6InN2Yy1iaWxsaW5nIiwiaWF0IjoxNzA1NjYzNDUwLCJleHAiOjE4MDU2MDU3OTIsInNjb3BlIjoicmVhZCB3cml0ZSJ9.ovPpjmE6DRfx9Ntk8yauYIH68T0ya8Yz-shnmhdZOP0";
export const adobeClientSecret: string = "p8e-6x74vtJIGvWWIIwECMEhGYQXLYjBdHHO";
export const freenetIndex: string = "USK@Nvf1x-sIo-ZJo7IHDHCiqKO5Q~IwHweKY8~CM0V5g87,PSvp4Q~sXzvVnmYO0rUDK~qnsI~tQ7PyaiPQqNXAiz~,AQACAAE/blog/64/";
export const passwordHash: string = "$argon2id$v=19$m=65536,t=3,p=4$kxfMbYeuNKLuEZbGeRkQGg$-V_BbTkxDwUT9_2SkBZIi2IirKX-AhsY-nYoyeem3uI";
export const cacheBuster: string = "47b878a8ca579aba3cf4";
export const retries = 3;
export const infracostTokenTtl: string = "7d";
export const retries = 3;
export const version: string = "4.17.40+build.1fa488e";
export const retries = 3;
export const stylesheet: string = "application-3f870a16957b822bf0f3595945bb0ea2530c59e41290e3dd153246275a893b50.css";
export const passwordMinLength: string = "8";
export const dopplerUsername: string = "deploy-bot";
export const debug = false;
export const stripeSecretKey: string = "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";
