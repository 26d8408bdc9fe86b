String password = System.getenv("DB_PASSWORD");
String token = request.getHeader("X-Auth-Token");
char[] password = console.readPassword();
String secret = vault.read("secret/data/app").getData().get("secret");
    private String apiToken = "RT5OMJWOEVdOLHpaxVCIGtCVKUhRJb6FUCgjyRFX";
