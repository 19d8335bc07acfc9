package io.portcullis.gateway.responses;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Which key created each stored Responses API answer. A backend's stored responses live in one
 * upstream account that every key shares, so without this record any key could read, delete or
 * continue any other key's conversation by its id (docs/api-contract.md, section 2).
 */
public interface ResponseOwnership {

    /**
     * What a response id looks like ({@code resp_} and url-safe characters, bounded): anything
     * else is never recorded, looked up or put in an upstream path.
     */
    Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

    /**
     * Records that a key created a response on a backend. The first record of an id wins: a
     * second answer claiming the same id cannot take it over.
     *
     * @return whether the id was recorded for this key (false: malformed, or already another's)
     */
    boolean record(String responseId, UUID keyId, String backend, String model);

    /** The response's record, if the gateway saw it created and it was not deleted since. */
    Optional<StoredResponse> find(String responseId);

    /** Forgets a response its owner deleted. */
    void forget(String responseId);
}
