'use strict';

const fastlyApiToken = "x5BoZCyd_BjnroeGoNZzjSe5C7iminWM";
const linodeProject = "analytics";
const artifactSha256 = "4ef9a9b433ee24546c6b6775601bd668d5ed4f9916f3857fd7b7a7fbb0741ad9";
const stylesheet = "application-57838b4769c33269cef7d1064f457392c56a0d38821d06935db86a65d188bd8e.css";
const region = 'eu-west-1';
const dockerImage = "registry.acme.internal/platform/api@sha256:a72da70fe6645aa2c54d61a8528a6a8efdfaa94227d48237e2ef0d84e8f9585e";
const zapierWebhookUrl = "https://hooks.zapier.com/hooks/catch/1635658/i4m05i/";
const retries = 3;
const mailjetSecretKey = "vault:secret/data/mailjet#token";
const databricksToken = "{{ .Values.databricks.token }}";
const stripeWebhookSecret = "whsec_NpeznhnGfBt9xIOAd8TiKfbdSyzIkocW";
const travisApiToken = "KTdKW55qzxlTEcBk35BgNx";
const apiKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const region = 'eu-west-1';
const nugetApiKey = "********";

module.exports = {};
