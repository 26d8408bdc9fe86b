# ref: https://docs.docker.com/reference/dockerfile/#env (key=value and legacy form), #arg, #label
ARG GITHUB_TOKEN=ghp_abcdefabcdef
FROM alpine:3.20
ENV APP=1 \
    DB_PASSWORD="s3cr3t value"
ENV API_KEY abc123
LABEL com.example.api-secret=xyz
# expect: 2 5 6 7
