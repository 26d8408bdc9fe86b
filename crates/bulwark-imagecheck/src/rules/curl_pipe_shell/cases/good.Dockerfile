FROM debian:12.8
RUN curl -fsSLo /tmp/i.sh https://get.example.com && echo "abc  /tmp/i.sh" | sha256sum -c && sh /tmp/i.sh
RUN curl -fsSL https://example.com/data.json | jq .
# expect: none
