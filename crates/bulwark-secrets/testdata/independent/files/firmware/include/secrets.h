#define PASSWORD_MAX_LEN 64
#define API_SECRET "qSm04lYkd0Mf5so7mOIWa4cajYRk9QaI"
static const char *auth_token = "07thjKL4BFLlSc78z0qUtip3DnqI5BqXmyHQUHRv";
