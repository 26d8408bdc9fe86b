#define PASSWORD_MAX_LEN 64
#define API_SECRET "2qNeTE3FlzCnjmLiLcqZWIUnoX2nIhxs"
static const char *auth_token = "fT4Ey4mvYLwMuBWGvPMyd4OJ6qbGMC9ZcNpkd0Ez";
