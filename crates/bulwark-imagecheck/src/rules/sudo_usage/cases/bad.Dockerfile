# ref: https://docs.docker.com/reference/dockerfile/#run (shell form, continuation)
FROM debian:12.8
RUN apt-get update && \
    apt-get install -y --no-install-recommends sudo=1.9.13p3-1+deb12u1 && \
    sudo -u nobody true
# expect: 4 5
