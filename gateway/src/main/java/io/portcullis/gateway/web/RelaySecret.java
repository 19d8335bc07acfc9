package io.portcullis.gateway.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.springframework.stereotype.Component;

/**
 * What lets the data plane tell the control plane's Tomcat who the client is: a random secret
 * made once per process, known only to the relay ({@code dataplane.ControlPlaneRelay}) that sets
 * it on every request it relays and to {@link RelayedClientValve} that checks it. A client cannot
 * learn it, so it cannot name its own address even when it reaches Tomcat's loopback port.
 */
@Component
public final class RelaySecret {

    /** The client's address as the data plane's front door decided it. */
    public static final String CLIENT_ADDRESS_HEADER = "x-portcullis-relayed-client";
    /**
     * The scheme the client used as the front door decided it: {@code https} only when a trusted
     * proxy said so in {@code X-Forwarded-Proto}, else {@code http}.
     */
    public static final String SCHEME_HEADER = "x-portcullis-relayed-scheme";
    /** Proof that the request came through this process's relay. */
    public static final String SECRET_HEADER = "x-portcullis-relay-secret";

    private final String value;
    private final byte[] bytes;

    public RelaySecret() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        this.bytes = value.getBytes(StandardCharsets.US_ASCII);
    }

    /** The secret, to send in {@link #SECRET_HEADER}; never log it. */
    public String value() {
        return value;
    }

    /** Whether a presented secret is this one, in time independent of where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(bytes, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "RelaySecret[hidden]";
    }
}
