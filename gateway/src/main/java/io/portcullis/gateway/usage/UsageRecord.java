package io.portcullis.gateway.usage;

import io.portcullis.policy.quota.Units;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One request's line in the ledger.
 *
 * @param id       the request's own id: derived from the gateway-generated x-request-id, or random
 *                 when the client sent its own (then kept in {@code clientRequestId})
 * @param outcome  closed set: {@code success}, {@code backend_error}, {@code client_closed},
 *                 {@code upstream_broken}, or a contract error code
 * @param costMicros exact cost in micro-dollars, from the configured price of the model
 * @param ttftMs   time to first token for streams, null otherwise
 * @param billedBy how the tokens and cost were arrived at (reported by the backend, or not)
 * @param units    seconds of audio, characters and images billed ({@link Units#NONE} for token-only requests)
 */
public record UsageRecord(UUID id, String clientRequestId, UUID keyId, UUID teamId, String model, String backend,
                          String endpoint, int status, String outcome, boolean streamed, int promptTokens,
                          int completionTokens, int cachedTokens, long costMicros, int latencyMs, Integer ttftMs,
                          Instant createdAt, BilledBy billedBy, Units units) {

    public UsageRecord {
        Objects.requireNonNull(units, "units");
    }

    /** A token-only request. */
    public UsageRecord(UUID id, String clientRequestId, UUID keyId, UUID teamId, String model, String backend,
                       String endpoint, int status, String outcome, boolean streamed, int promptTokens,
                       int completionTokens, int cachedTokens, long costMicros, int latencyMs, Integer ttftMs,
                       Instant createdAt, BilledBy billedBy) {
        this(id, clientRequestId, keyId, teamId, model, backend, endpoint, status, outcome, streamed, promptTokens,
                completionTokens, cachedTokens, costMicros, latencyMs, ttftMs, createdAt, billedBy, Units.NONE);
    }
}
