#!/usr/bin/env bash
set -eu
curl -sS -u "$API_USER:$API_PASSWORD" https://api.acme.invalid/v1/health
curl -u "${USERNAME}:${PASSWORD}" https://registry.acme.invalid/v2/
curl -u <user:password> https://api.acme.invalid/v1/items
curl -H "Authorization: Bearer $TOKEN" https://api.acme.invalid/v1/me
curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://run.googleapis.com/v2/projects
curl -H "Authorization: Bearer <your API token>" https://api.acme.invalid/v1/me
curl -u ":" https://localhost:9200
curl -u "ci-bot" https://api.acme.invalid/v1/check
curl --user "${{ secrets.NEXUS_USER }}:${{ secrets.NEXUS_PASSWORD }}" https://nexus.acme.invalid/
curl -H "X-Api-Key: ${ACME_API_KEY}" https://api.acme.invalid/v1/jobs
curl -sS -u "deploy:gfDwSvIJul!DMzv4tUY" https://nexus.acme.invalid/service/rest/v1/status
curl -sS -u "deploy:SOfM4na6tE#GWdo0qnj" https://nexus.acme.invalid/service/rest/v1/status
curl -sS -u "deploy:qxWplJXHhe_3Vi68c94" https://nexus.acme.invalid/service/rest/v1/status
