# ref: https://docs.docker.com/reference/dockerfile/#run ; #here-documents (RUN <<EOF)
FROM debian:12.8
RUN curl -fsSL https://get.example.com \
    | sudo bash -s -- --yes
RUN <<EOF
set -e
wget -qO- https://x.example/install.sh | sh
EOF
RUN sh -c "$(curl -fsSL https://y.example/i.sh)"
# expect: 4 7 9
