'use strict';

const asset = "video_box.ico-5d0470f1ec89931f9afa049703b97b87.png";
const retries = 3;
const telegramBotToken = "0793856830:AA-_ESpAxYecAix20G8ErShZjsTzyquqS5Z";
const gemHostApiKey = "rubygems_5cfac757bfb3aec3c82a4cfb91d4b6ab141e61b869d944f0";
const region = 'eu-west-1';
const etag = "W/d917b684be46382e6e2bfce15a5463b5";
const mattermostTimeoutSeconds = "5";
const ftClientSecret = "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";
const retries = 3;
const cargoRegistryToken = "your_cargo_key_here";
const retries = 3;
const slackConfigRefreshToken = "xoxe-1-Pq0Ja5F50pTOJoO2VrHpqpMYCuO1ATx4HnisQncxEH0qGmWlSmk0bk2wdeOIZjJPQxERhNn6Z4lzuLhYx4O8eieW6UeGmOY9XMAHFQNTmJkA9Vw4R5t4G0MsRVUqJEQTU6IAXrBR2iwGuOCQM7";
const requestId = "5ab7fcf1-3e36-47ea-b431-a414301da5b9";
const duffelUrl = "https://api.duffel.com/v2";
const retries = 3;
const twitterBearerToken = "AAAAAAAAAAAAAAAAAAAAAA2tvwOytt8dWGyM6qnpffbkMbNkuM6EaR1NKqPF0Fzx42RWq6af1iyDv7exoDdtykaKnZMMGtD9Di1fCF";
const travisApiToken = "ylHux2ACSgU6pgJilWguFt";

module.exports = {};
