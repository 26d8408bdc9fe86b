#!/bin/sh
curl -sS -H "Authorization: Bearer acVvV8RUxZEuAmp7-cTtVkTkVai6YLXIlibtA_-dZoxyeuX7" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer Q0H-41_7qwp-U7rrcK_DjeMZcRpiQxjYRPk07Ug9rErKhjND" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer gwrpnn9WtfysFoKZ-k5WCqSF52hL37qNYRlnlwxoIPccJeUu" https://api.acme.invalid/v1/jobs
git clone https://deploy:PA6lKmnKrC_NV962RXT@git.acme.invalid/platform/infra.git
git clone https://deploy:PLqamhMxmJ-869w26ZD@git.acme.invalid/platform/infra.git
git clone https://deploy:VSRb1CIBl6%9g7o3m0U@git.acme.invalid/platform/infra.git
