# ref: https://docs.docker.com/reference/dockerfile/#arg
ARG NPM_TOKEN
FROM alpine:3.20
ARG NPM_TOKEN
ENV NPM_TOKEN=$NPM_TOKEN DB_PASSWORD_FILE=/run/secrets/db
ENV GH_TOKEN=${GH_TOKEN}
# expect: none
