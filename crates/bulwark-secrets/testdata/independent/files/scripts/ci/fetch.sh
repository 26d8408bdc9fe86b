#!/bin/sh
curl -sS -H "Authorization: Bearer hRVIJwPcVyg_G2zmmqJbU5khacVvV8RUxZEuAmp7-cTtVkTk" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer Vai6YLXIlibtA_-dZoxyeuX7Q0H-41_7qwp-U7rrcK_DjeMZ" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer cRpiQxjYRPk07Ug9rErKhjNDgwrpnn9WtfysFoKZ-k5WCqSF" https://api.acme.invalid/v1/jobs
git clone https://deploy:CTBdsXBDPi%zQvf1QXf@git.acme.invalid/platform/infra.git
git clone https://deploy:Xll5Sh9KVH_rMXu0Mbr@git.acme.invalid/platform/infra.git
git clone https://deploy:WcxUVJ3YG3#PA6l9mnK@git.acme.invalid/platform/infra.git
