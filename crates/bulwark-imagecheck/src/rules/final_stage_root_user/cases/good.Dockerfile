# ref: https://docs.docker.com/reference/dockerfile/#user ; ENV substitution in USER
FROM debian:12.8-slim AS base
ARG UID=10001
USER ${UID:-0}:${UID}
FROM base
CMD ["sh"]
# expect: none
