#!/bin/sh
curl -sS -H "Authorization: Bearer RMnWEn_YIobw0p6FaiYevdXE0B-W-vBSHnHwoHR8tg3qJQ1a" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer kSYexIj6kWujE6gmnyeJZeNe5CaIpnedVN29hUUeutDTE2aS" https://api.acme.invalid/v1/jobs
curl -sS -H "Authorization: Bearer tsaeS3lQBKnzT_C0V-aLv5CSQolqMlEzZR2bhdQ9M2NdXbBf" https://api.acme.invalid/v1/jobs
git clone https://deploy:NOcA8rOmvV_Rji21MPX@git.acme.invalid/platform/infra.git
git clone https://deploy:8PjgavMDkJ_DDBc98fD@git.acme.invalid/platform/infra.git
git clone https://deploy:POxILQyCIl!JF5s0euA@git.acme.invalid/platform/infra.git
