'use strict';

const secretArn = "arn:aws:secretsmanager:eu-west-1:188250584636:secret:prod/db-BaudVT";
const azureSubscriptionId = "81d4d18e-c3bd-4cfb-866b-dc1660bc42af";
const region = 'eu-west-1';
const checksumMd5 = "ff2b0f03198a36e6400e069eb2961334";
const xaiApiKey = "xai-2YQ6snzdTIFa4rmMXYVaA5PukGOul0oNumNZ9u8Omf9wCguxLO0pseyHxWVVhtibPf62BaARYmHb4VRt";
const netlifyAuthToken = "nfp_o0rqplW48Xfnc95DAFuil8rqQBPDta5PYaHm";
const retries = 3;
const apiKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const retries = 3;
const integrity = "sha512-xiSL1A2HTSoyIsII/ZoSutcZhQyqKLBcd18UQtiDCMFf8FC/bqp+YmgS0KYdwp9pvZhX9A/4Y998DpDwBUrFiA==";
const apiKey = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const retries = 3;
const sendbirdApiToken = "";
const databricksToken = "dapi87390a02483ec774bb2acb5928f3a38b";
const githubRefreshToken = "your_github_key_here";
const region = 'eu-west-1';
const sentryDsn = "https://8ec2c533f6d7f6cc7903f299cf9b57ca@o039031.ingest.sentry.io/2540526";

module.exports = {};
