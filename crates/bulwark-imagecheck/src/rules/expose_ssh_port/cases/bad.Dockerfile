# ref: https://docs.docker.com/reference/dockerfile/#expose ; ENV substitution in EXPOSE
FROM alpine:3.20
ENV SSH=22
EXPOSE 80 $SSH/tcp
EXPOSE 20-25
# expect: 4 5
