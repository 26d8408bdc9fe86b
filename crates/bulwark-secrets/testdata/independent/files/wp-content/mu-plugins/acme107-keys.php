<?php
define( 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'LTAIJgJX7fot7yBhFGpXoyIy' );
define( 'WP_DEBUG', false );
define( 'VULTR_TOKEN_TTL', '3600' );
define( 'SECRET_KEY_BASE_FILE', '/run/secrets/secret_key_base' );
define( 'ACCESS_TOKEN', 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' );
define( 'GOOGLE_CLIENT_ID', '593433041770-jva4amqxyl533s27zy90bww7810wrvtu.apps.googleusercontent.com' );
define( 'SENDGRID_USERNAME', 'platform-team' );
define( 'WP_DEBUG', false );
define( 'TWILIO_ACCOUNT_SID', 'AC6fe2decf220d2fe37cbcdcc14931c0b7' );
define( 'TRELLO_TOKEN', 'arn:aws:secretsmanager:eu-west-1:097675030034:secret:trello-MSsAEr' );
define( 'XAI_API_KEY', 'xai-Nhkq4ye81rWPNwnFqHAF4BjmYPMW60COsFnNimFeFbJ0bm1OZqNRFwN75FeQCgTLEHWNsGyw1hAYzngj' );
define( 'WP_DEBUG', false );
define( 'FREENET_INDEX', 'USK@17PQw5fu3UTjrVciJ6FdiG70Q~Sjxkdg6XxJM7l6SjC,89o2Q~xclqlMBG32AaYv2pGkWfnwe3q2iakDr~Gk-lG,AQACAAE/blog/56/' );
define( 'FAVICON', 'favicon.ico-56e722c5952f187e1f56d73808338f70.png' );
define( 'WP_DEBUG', false );
define( 'NUGET_API_KEY', '{{ nuget_api_key }}' );
