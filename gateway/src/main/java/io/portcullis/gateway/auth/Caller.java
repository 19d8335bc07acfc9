package io.portcullis.gateway.auth;

import io.portcullis.policy.KeyGrant;
import java.util.UUID;

/** The authenticated holder of an API key, as the rest of the request path sees it. */
public record Caller(UUID keyId, UUID teamId, String keyName, KeyGrant grant) {
}
