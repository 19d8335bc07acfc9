package io.portcullis.gateway.auth;

import io.portcullis.policy.KeyGrant;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.util.UUID;

/**
 * The authenticated holder of an API key, as the rest of the request path sees it.
 *
 * @param policy the key's usage policy, its {@code models} being the key's allow list
 */
public record Caller(UUID keyId, UUID teamId, String keyName, String prefix, KeyGrant grant, Limits limits,
                     UsagePolicy policy) {

    /** The quota scope of the key's own counters. */
    public String scope() {
        return "key:" + keyId;
    }
}
