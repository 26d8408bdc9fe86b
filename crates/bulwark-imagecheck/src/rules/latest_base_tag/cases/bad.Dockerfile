# ref: https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact (global ARG in FROM)
ARG BASE=python
ARG TAG
FROM ${BASE}:${TAG:-latest} AS build
FROM registry.example:5000/team/app
FROM build
FROM scratch
# expect: 4 5
