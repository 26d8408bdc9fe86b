FROM alpine:3.20
ADD tool.tar.gz /opt/
COPY https.txt /x
# expect: none
