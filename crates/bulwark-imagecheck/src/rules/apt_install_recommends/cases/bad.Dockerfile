# ref: https://docs.docker.com/reference/dockerfile/#run ; continuation lines
FROM debian:12.8
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get -y install curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
RUN ["apt-get", "install", "-y", "jq=1.6-2.1"]
# expect: 4 6
