# ref: https://docs.docker.com/reference/dockerfile/#healthcheck (options are flags)
FROM nginx:1.27 AS base
HEALTHCHECK --interval=30s --timeout=3s \
  CMD curl -f http://localhost/ || exit 1
FROM base
# expect: none
