package io.portcullis.gateway.metrics;

import io.portcullis.gateway.usage.BilledBy;
import java.util.UUID;

/**
 * The facts about one finished client-API request that the meters need. Values are raw:
 * {@link GatewayMetrics} turns them into bounded tags.
 *
 * @param endpoint       the endpoint's tag ({@code chat}, {@code completions}, {@code embeddings})
 * @param model          the model the client asked for, as sent (may be unknown or null)
 * @param backend        the configured backend it was routed to, or null when it was not forwarded
 * @param outcome        how it ended: a closed set of tags (success, backend_error, contract error codes...)
 * @param team           the caller's team, or null
 * @param durationNanos  from request received to answer complete
 * @param upstreamNanos  time spent waiting on or relaying from the backend; 0 when not forwarded
 * @param ttftNanos      from request received to the first streamed event; 0 when none
 * @param inputTokens    prompt tokens reported by the backend
 * @param outputTokens   completion tokens reported by the backend
 * @param billedBy       how the request was billed; {@code RESERVATION} and {@code STREAMED} are answers
 *                       the backend gave without usage figures
 */
public record CompletedRequest(String endpoint, String model, String backend, String outcome, UUID team,
                               long durationNanos, long upstreamNanos, long ttftNanos,
                               int inputTokens, int outputTokens, BilledBy billedBy) {
}
