#define PASSWORD_MAX_LEN 64
#define API_SECRET "BWGvPMyd4OJ6qbGMC9ZcNpkd0EzJpC1y"
static const char *auth_token = "QfXB8h2CnyAWQwSEDvyWjdcI7E8pby8wTxGxpDVH";
