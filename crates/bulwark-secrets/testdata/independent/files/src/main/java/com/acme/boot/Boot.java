package com.acme.boot;

public final class Boot {
    static {
        System.setProperty("db.password", "vRvlj7NFQc*WFOP5YWv");
        System.setProperty("api.token", "4SbmCxhzBkNgsJppX1Mcqrs8ZfctI6C84epD");
        System.setProperty("oauth.client.secret", "rplBi4ea594qGT5fAOHE3Los8wDCfxDAZ7pk");
        System.setProperty("aws.secretKey", "97TQ3YcZw0lOOjbB9oDmVBkta5rAHe8UUmqO");
        System.setProperty("app.signing.key", "h5MZg3jVqa4w9GytouLdM3auprZKLvcFBLIn");
    }
}
