FROM alpine:3.20
EXPOSE 80 443/tcp 22/udp 2222
# expect: none
