# ref: https://docs.docker.com/reference/dockerfile/#add ; ARG substitution in ADD
FROM alpine:3.20
ARG VER=1.2.3
ADD https://example.com/tool-${VER}.tar.gz \
    /opt/
ADD ["http://example.com/a", "/a"]
# expect: 4 6
