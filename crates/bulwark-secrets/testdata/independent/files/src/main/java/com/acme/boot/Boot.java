package com.acme.boot;

public final class Boot {
    static {
        System.setProperty("db.password", "uuygvadr4z!kmZG98g0");
        System.setProperty("api.token", "YOTPgMbbUKrDYRX8mCPWRkWvyRqNd8WbaqHC");
        System.setProperty("oauth.client.secret", "9EtNQb0A7sCEvDi5XHzmoMBVHOErTDKcHnEy");
        System.setProperty("aws.secretKey", "Iq7IKziaCfLo6x8LsfpQX4vWZNf9lWRCrlcQ");
        System.setProperty("app.signing.key", "JOTxlUSIrTGwMABnjGE2xTzWKa657W5J4eCo");
    }
}
