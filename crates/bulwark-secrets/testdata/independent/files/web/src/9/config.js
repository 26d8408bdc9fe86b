'use strict';

const region = 'eu-west-1';
const lobRegion = "us-east-1";
const retries = 3;
const version = "2.3.27+build.0008991";
const region = 'eu-west-1';
const etag = "W/4b125af71c467f77f96655484c477ba1";
const langsmithApiKey = "<LANGSMITH_API_KEY>";
const region = 'eu-west-1';
const slackConfigRefreshToken = "op://prod/slack/credential";
const webpackChunk = "static/js/main.c75a53b9.chunk.js";
const gitlabTokenHeader = "X-Auth-Token";
const pypiToken = "xxxxxxxxxxxxxxxxxxxxxxxx";
const ddApiKey = "changeme";
const tenantId = "35a34c76-bb7f-48dd-86a6-b4856f219026";
const region = 'eu-west-1';
const typeformToken = "tfp_TkoHVLSVZVal5ts-Ds5LvQxgOSQuLIlnPY2SYWMT1CXV_pxH3cUXaCYmIVq";
const passwordField = "current_password";

module.exports = {};
