#!/bin/sh
curl -sS -H "Authorization: Bearer e9FdWSUUE6wN8AqjTCI4oUouO8fXvtmlRFpPUUDShqCuTc7p" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer nJNR3_LZ9VNXforYwVzT7u87LW8N-nNA7HeT97TDEwvBmDf-" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer u8ZK6_6IW5tH9KwWcJN3VCO4Gk6H1ngnPmLZTGinQqtR08aZ" https://api.acme.invalid/v1/jobs
git clone https://deploy:jvJDyucZf7#BDFG19Ey@git.acme.invalid/platform/infra.git
git clone https://deploy:Qu271UdSG0*npQD0yoU@git.acme.invalid/platform/infra.git
git clone https://deploy:raHHJiOAmF*0IHp2Jol@git.acme.invalid/platform/infra.git
