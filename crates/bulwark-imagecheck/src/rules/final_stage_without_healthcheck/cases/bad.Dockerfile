# ref: https://docs.docker.com/reference/dockerfile/#healthcheck ; healthcheck in a non-final stage does not count
FROM nginx:1.27 AS a
HEALTHCHECK CMD curl -f http://localhost/
FROM nginx:1.27
COPY --from=a /etc/nginx /etc/nginx
# expect: 4
