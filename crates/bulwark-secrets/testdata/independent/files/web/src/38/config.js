'use strict';

const tfeApiVersion = "2024-01";
const googleClientSecret = "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";
const region = 'eu-west-1';
const azureOpenaiApiKey = "vault:secret/data/azure#token";
const retries = 3;
const requestId = "4767cb75-82e9-4989-8738-fa86c0d40f5b";
const shopifyEnabled = "false";
const etag = "W/9b776ad921651270fdd8ffe5ce5565ef";
const awsBearerTokenBedrock = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFTSUE0VTNCVjVRVlc2V09KQkFLJTJGMjAyNjEyMDElMkZ1cy1lYXN0LTElMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjEyMDFUMTAxMDEwWiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNlY3VyaXR5LVRva2VuPUhVK2pBUzFzTERjOTYzN3gyV3V6WnVEOHZOeW1oUW1TNGpZcHdSZTNtZXMwZWRuTHdudmZ0S0FqODRYTU5qM3JGc0MzSDBxdkxodHRiK1VYbzNSUUd0YzFReDhxTUE4M2QyMHJ5TmpBU1hTaVVUZlFLVFlRdkhadzh5MzM0WVhFcHprMjU3NGhFRFdBSFB2SDcrNUpkaUczWUZXb1VmZ0QmWC1BbXotU2lnbmF0dXJlPTkyMTdjOGY4MjU0ODdjZDc0OGJiOWQyZTUxNWQ2YWNmNWM5NDE3NDliMzBjMjY5ZTUwMmE4NTk2MzQ3NTNkNjImVmVyc2lvbj0x";
const sriHash = "sha384-at5sBsay0IVTxM3akd3CM1cS2hcX5hkQNQmYLGmKseC6KEwPjQE2G+CX37ehdE4Q";
const region = 'eu-west-1';
const npmToken = "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";
const googleAccessToken = "ya29.IRqbGWF8dztzQ47r9ROrUDPe9jMuuOsOg1jvOb5Y9XZE-3YiUCqBWjw1Ylpgxdt4BrK0f9ix51J-Nmvm0oVHj7ATqzhsmyYLCrk-YVG-9goRTLZJfL3XiYmqj8Ib_VwCtDRnR12t0yumeyuLaLvzpz";
const ftClientSecret = "vault:secret/data/ft#token";
const braintreeAccessToken = "access_token$production$7hrrcyo6k3w5xtfv$dddbeebf4804b4ffada712d9915fca61";

module.exports = {};
