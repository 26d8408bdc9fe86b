FROM debian:12.8
RUN echo sudo is not called here && apt-get install -y --no-install-recommends pseudo=1.9
# expect: none
