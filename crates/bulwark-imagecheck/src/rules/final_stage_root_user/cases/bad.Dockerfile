# ref: https://docs.docker.com/reference/dockerfile/#user and #from (multi-stage)
FROM golang:1.22 AS build
USER 1000
RUN go build -o /app .

FROM debian:12.8-slim
COPY --from=build /app /app
USER root
CMD ["/app"]
# expect: 8
