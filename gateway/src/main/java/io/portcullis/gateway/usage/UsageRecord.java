package io.portcullis.gateway.usage;

import java.time.Instant;
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
 */
public record UsageRecord(UUID id, String clientRequestId, UUID keyId, UUID teamId, String model, String backend,
                          String endpoint, int status, String outcome, boolean streamed, int promptTokens,
                          int completionTokens, int cachedTokens, long costMicros, int latencyMs, Integer ttftMs,
                          Instant createdAt, BilledBy billedBy) {
}
