package com.acme.boot;

public final class Boot {
    static {
        System.setProperty("db.password", "S8x3VXOLSl*Q9pk3Ugh");
        System.setProperty("api.token", "DFLYbwjGx5fwWGN6f8xTUa0eDINzN7LHsTNy");
        System.setProperty("oauth.client.secret", "XrGVYNfeI5IRaVJjUnFFb0zJXRhHJ2PMlmc6");
        System.setProperty("aws.secretKey", "1kNZK2yDU7vARqQVFRCAFDil2hFxDiRRi4JH");
        System.setProperty("app.signing.key", "bsFoRect99zbvOYh2V3MeXU66vle4U7zvufA");
    }
}
