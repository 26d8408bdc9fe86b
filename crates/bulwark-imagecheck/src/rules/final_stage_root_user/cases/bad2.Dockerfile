# ref: https://docs.docker.com/reference/dockerfile/#user (no USER: root)
FROM debian:12.8-slim AS base
RUN echo hi
FROM base
CMD ["sh"]
# expect: 4
