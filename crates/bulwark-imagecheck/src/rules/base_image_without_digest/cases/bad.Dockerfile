# ref: https://docs.docker.com/reference/dockerfile/#from
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
FROM gcr.io/distroless/static:nonroot
COPY --from=build /app /app
# expect: 2 3
