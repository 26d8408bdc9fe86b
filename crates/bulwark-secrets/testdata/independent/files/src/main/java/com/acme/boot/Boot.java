package com.acme.boot;

public final class Boot {
    static {
        System.setProperty("db.password", "hd2tmn3GF1#3PNn6pAu");
        System.setProperty("api.token", "ORoQocXjbJEKwcu8Odi6heoSiOMNVFvRvlj7");
        System.setProperty("oauth.client.secret", "NFQcyWFOP2vYWv4SbmCxhzBkNgsJppX1Mcqr");
        System.setProperty("aws.secretKey", "s8ZfctI6C84epDrplBi4ea594qGT5fAOHE3L");
        System.setProperty("app.signing.key", "os8wDCfxDAZ7pk97TQ3YcZw0lOOjbB9oDmVB");
    }
}
