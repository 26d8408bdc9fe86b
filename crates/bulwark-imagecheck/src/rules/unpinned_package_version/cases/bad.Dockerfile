# ref: https://docs.docker.com/reference/dockerfile/#run ; continuation lines, exec form
FROM python:3.12.4-slim
RUN apt-get install -y --no-install-recommends \
      curl=7.88.1-10+deb12u8 \
      jq
RUN pip install --no-cache-dir requests==2.32.3 flask
RUN npm install -g typescript @angular/cli@17.3.0
RUN apk add --no-cache -t .deps bash=5.2.21-r0 git
# expect: 5 6 7 8
