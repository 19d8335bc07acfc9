package io.portcullis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.usage.BilledBy;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * The gateway's own meters. GenAI meters follow the OpenTelemetry GenAI semantic conventions
 * (names, attribute names and bucket boundaries); the rest are {@code portcullis.*}.
 *
 * <p>Every tag value comes from a closed set, so no request can create a new series: model from
 * configuration (else {@value #OTHER}), backend from configuration (else {@value #NONE}), endpoint
 * and outcome from enums or contract codes, team only from the {@code gateway.metrics.teams}
 * allow-list (else {@value #OTHER}). Key ids and user text are never tags.
 *
 * <p>Metric names and tag names are read by the Grafana dashboard and the alerts in
 * {@code helm/portcullis}, and by people's own queries: treat them as public, change them only with
 * a changelog entry. Prometheus names are in each constant's comment.
 */
@Component
public class GatewayMetrics {

    /** {@code portcullis_requests_total}: every client-API request, by endpoint, model, backend, outcome [, team]. */
    public static final String REQUESTS = "portcullis.requests";
    /** {@code gen_ai_server_request_duration_seconds}: request received to answer complete. */
    public static final String REQUEST_DURATION = "gen_ai.server.request.duration";
    /** {@code gen_ai_server_time_to_first_token_seconds}: request received to first streamed event. */
    public static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
    /** {@code gen_ai_server_time_per_output_token_seconds}: per output token after the first (streams). */
    public static final String TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";
    /** {@code gen_ai_client_token_usage}: tokens per request as reported by the backend, by token type. */
    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    /** {@code portcullis_gateway_overhead_seconds}: time in the gateway, excluding the backend. */
    public static final String OVERHEAD = "portcullis.gateway.overhead";
    /**
     * {@code portcullis_unmetered_answers_total}: answers a backend gave without usage figures, billed
     * from the reservation or the streamed text, by backend and billed_by.
     */
    public static final String UNMETERED_ANSWERS = "portcullis.unmetered.answers";
    /** {@code portcullis_streams_active}: streamed answers being relayed right now. */
    public static final String ACTIVE_STREAMS = "portcullis.streams.active";

    // Tag names. The gen_ai.* ones are OpenTelemetry's (Prometheus: gen_ai_operation_name, ...).
    static final String OPERATION = "gen_ai.operation.name";
    static final String REQUEST_MODEL = "gen_ai.request.model";
    static final String TOKEN_TYPE = "gen_ai.token.type";
    static final String ENDPOINT = "endpoint";
    static final String MODEL = "model";
    static final String BACKEND = "backend";
    static final String OUTCOME = "outcome";
    static final String TEAM = "team";
    static final String BILLED_BY = "billed_by";

    /** Tag value for a model no backend serves, or a team not on the allow-list. */
    public static final String OTHER = BackendRegistry.OTHER_MODEL;
    /** Backend tag value for a request that was not forwarded. */
    public static final String NONE = "none";
    /** The outcome tag of a request answered in full. */
    static final String SUCCESS = "success";

    // Bucket boundaries advised by the OpenTelemetry GenAI semantic conventions, in seconds or tokens.
    private static final double[] REQUEST_DURATION_BUCKETS =
            {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
    private static final double[] TTFT_BUCKETS =
            {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
    private static final double[] TPOT_BUCKETS =
            {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};
    private static final double[] TOKEN_BUCKETS =
            {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
    /** The gateway's own work should take milliseconds; the buckets are finer than the backend's. */
    private static final double[] OVERHEAD_BUCKETS =
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

    private final MeterRegistry registry;
    private final BackendRegistry backends;
    private final Set<UUID> taggedTeams;
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final ConcurrentHashMap<SeriesKey, Series> series = new ConcurrentHashMap<>();
    /** Backends come from configuration and billed_by from an enum: bounded like the series above. */
    private final ConcurrentHashMap<UnmeteredKey, Counter> unmetered = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry, BackendRegistry backends, MetricsProperties properties) {
        this.registry = registry;
        this.backends = backends;
        this.taggedTeams = properties.teamSet();
        registry.gauge(ACTIVE_STREAMS, Tags.empty(), activeStreams);
    }

    /** Records one finished request on every meter it concerns. */
    public void completed(CompletedRequest request) {
        String model = backends.modelTag(request.model());
        String backend = request.backend() == null ? NONE : request.backend();
        String team = teamValue(request.team());
        Series meters = series.computeIfAbsent(new SeriesKey(request.endpoint(), model, backend, request.outcome(), team),
                this::register);

        meters.requests().increment();
        meters.duration().record(request.durationNanos(), TimeUnit.NANOSECONDS);
        meters.overhead().record(Math.max(0, request.durationNanos() - request.upstreamNanos()), TimeUnit.NANOSECONDS);
        if (request.ttftNanos() > 0) {
            meters.timeToFirstToken().get().record(request.ttftNanos(), TimeUnit.NANOSECONDS);
            // As OpenTelemetry defines it: successful answers only, tokens after the first.
            if (SUCCESS.equals(request.outcome()) && request.outputTokens() > 1) {
                long perToken = (request.durationNanos() - request.ttftNanos()) / (request.outputTokens() - 1);
                meters.timePerOutputToken().get().record(Math.max(0, perToken), TimeUnit.NANOSECONDS);
            }
        }
        if (request.inputTokens() > 0) {
            meters.inputTokens().get().record(request.inputTokens());
        }
        if (request.outputTokens() > 0) {
            meters.outputTokens().get().record(request.outputTokens());
        }
        if (request.billedBy() == BilledBy.RESERVATION || request.billedBy() == BilledBy.STREAMED) {
            unmetered.computeIfAbsent(new UnmeteredKey(backend, request.billedBy()), k -> Counter.builder(UNMETERED_ANSWERS)
                    .description("Answers a backend gave without usage figures, billed from the reservation"
                            + " (reservation) or the text streamed before a cut (streamed)")
                    .tags(BACKEND, k.backend(), BILLED_BY, k.billedBy().tag())
                    .register(registry)).increment();
        }
    }

    private record UnmeteredKey(String backend, BilledBy billedBy) {
    }

    /**
     * The meters of one combination of tag values. Every tag is bounded (configured models and
     * backends, a fixed set of outcomes and endpoints, listed teams), so these are too; holding
     * them saves building tags, bucket arrays and registry look-ups several times per request.
     * Meters a request may not need (streams, tokens) are registered on first use, as before.
     */
    private record SeriesKey(String endpoint, String model, String backend, String outcome, String team) {
    }

    private Series register(SeriesKey key) {
        Tags teamTag = key.team() == null ? Tags.empty() : Tags.of(TEAM, key.team());
        String operation = operationName(key.endpoint());
        Counter requests = Counter.builder(REQUESTS)
                .description("Requests handled by the client API")
                .tags(ENDPOINT, key.endpoint(), MODEL, key.model(), BACKEND, key.backend(), OUTCOME, key.outcome())
                .tags(teamTag)
                .register(registry);
        Timer duration = seconds(REQUEST_DURATION, "Time from request received to answer complete",
                REQUEST_DURATION_BUCKETS)
                .tags(OPERATION, operation, REQUEST_MODEL, key.model(), BACKEND, key.backend(), OUTCOME, key.outcome())
                .register(registry);
        Timer overhead = seconds(OVERHEAD,
                "Time spent in the gateway itself: request duration minus time waiting on the backend",
                OVERHEAD_BUCKETS)
                .tags(ENDPOINT, key.endpoint(), BACKEND, key.backend())
                .register(registry);
        return new Series(requests, duration, overhead,
                new OnFirstUse<>(() -> seconds(TIME_TO_FIRST_TOKEN,
                        "Time from request received to the first streamed chunk", TTFT_BUCKETS)
                        .tags(OPERATION, operation, REQUEST_MODEL, key.model(), BACKEND, key.backend())
                        .register(registry)),
                new OnFirstUse<>(() -> seconds(TIME_PER_OUTPUT_TOKEN,
                        "Time per output token after the first, on streamed answers", TPOT_BUCKETS)
                        .tags(OPERATION, operation, REQUEST_MODEL, key.model(), BACKEND, key.backend())
                        .register(registry)),
                new OnFirstUse<>(() -> tokens(operation, key.model(), key.backend(), teamTag, "input")),
                new OnFirstUse<>(() -> tokens(operation, key.model(), key.backend(), teamTag, "output")));
    }

    private record Series(Counter requests, Timer duration, Timer overhead, OnFirstUse<Timer> timeToFirstToken,
                          OnFirstUse<Timer> timePerOutputToken, OnFirstUse<DistributionSummary> inputTokens,
                          OnFirstUse<DistributionSummary> outputTokens) {
    }

    /** A meter registered when first needed. A race registers it twice; the registry returns the same one. */
    private static final class OnFirstUse<M> {
        private final Supplier<M> register;
        private volatile M meter;

        OnFirstUse(Supplier<M> register) {
            this.register = register;
        }

        M get() {
            M m = meter;
            return m != null ? m : (meter = register.get());
        }
    }

    public void streamOpened() {
        activeStreams.incrementAndGet();
    }

    public void streamClosed() {
        activeStreams.decrementAndGet();
    }

    private DistributionSummary tokens(String operation, String model, String backend, Tags teamTag, String type) {
        return DistributionSummary.builder(TOKEN_USAGE)
                .description("Tokens per request reported by the backend, by token type (input or output)")
                .tags(OPERATION, operation, REQUEST_MODEL, model, BACKEND, backend, TOKEN_TYPE, type)
                .tags(teamTag)
                .serviceLevelObjectives(TOKEN_BUCKETS)
                .register(registry);
    }

    /** The team tag's value, or null when teams are not tagged at all. */
    private String teamValue(UUID team) {
        if (taggedTeams.isEmpty()) {
            return null;
        }
        return team != null && taggedTeams.contains(team) ? team.toString() : OTHER;
    }

    /**
     * The OpenTelemetry GenAI operation name for an endpoint tag (the Messages and Responses APIs
     * are chats); metrics and traces both use it.
     */
    public static String operationName(String endpoint) {
        return switch (endpoint) {
            case "chat", "messages", "responses" -> "chat";
            case "completions" -> "text_completion";
            case "embeddings" -> "embeddings";
            default -> OTHER;
        };
    }

    private static Timer.Builder seconds(String name, String description, double[] bucketsInSeconds) {
        Duration[] slos = new Duration[bucketsInSeconds.length];
        for (int i = 0; i < slos.length; i++) {
            slos[i] = Duration.ofNanos(Math.round(bucketsInSeconds[i] * 1e9));
        }
        return Timer.builder(name).description(description).serviceLevelObjectives(slos);
    }
}
