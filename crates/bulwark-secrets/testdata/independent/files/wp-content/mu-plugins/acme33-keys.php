<?php
define( 'TOKEN_URL', 'https://auth.example.com/oauth2/token' );
define( 'API_KEY_ENV', 'STRIPE_SECRET_KEY' );
define( 'AZURE_SAS_URL', 'https://y6kfq00ize.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&spr=https&sig=mdaV%2Bwe9IxNV%2FS2p7iq%2F6frtGdWzNeb8Nn6zzx6gI%2F4%3D' );
define( 'STRIPE_WEBHOOK_SECRET', '$(STRIPE_WEBHOOK_SECRET)' );
define( 'ADMIN_PASSWORD_HASH', '$2y$10$yxSD7xD..oShlez7mwYqK5EzwsdoynJTjizOeaZBQZiWSv5Nhvl5y' );
define( 'WP_DEBUG', false );
define( 'POSTMARK_SERVER_TOKEN', 'changeme' );
define( 'AWS_ROLE_ARN', 'arn:aws:iam::571928091711:role/deploy' );
define( 'PAGERDUTY_TOKEN_TTL', '3600' );
define( 'WP_DEBUG', false );
define( 'TRACE_ID', 'c0a5b974eb4158ef0571cb31b8e1e4a5' );
define( 'WP_DEBUG', false );
define( 'DISCORD_BOT_TOKEN', 'vault:secret/data/discord#token' );
define( 'SSH_HOST_KEY_FINGERPRINT', 'SHA256:7E8pAwfgj1gtxQXxDiDeLkY4HevzsBMPrq6nj1QadRs' );
define( 'WP_DEBUG', false );
define( 'LAUNCHDARKLY_USERNAME', 'ci' );
