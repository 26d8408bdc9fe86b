FROM debian:12.8
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
RUN apt-get -o APT::Install-Recommends=false install -y jq=1.6-2.1
# expect: none
