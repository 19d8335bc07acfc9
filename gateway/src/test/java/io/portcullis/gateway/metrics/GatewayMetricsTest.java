package io.portcullis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.BackendsProperties;
import io.portcullis.gateway.usage.BilledBy;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How one finished request becomes meter values and tags, without a running gateway. */
class GatewayMetricsTest {

    private static final UUID LISTED_TEAM = UUID.fromString("00000000-0000-0000-0000-0000000000aa");
    private static final long MS = 1_000_000;

    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void tagsNoTeamUnlessTeamsAreListed() {
        metrics(List.of()).completed(chat(LISTED_TEAM, "success", 0, 0));

        assertThat(registry.get(GatewayMetrics.REQUESTS).counter().getId().getTag("team")).isNull();
    }

    @Test
    void tagsListedTeamsByIdAndEveryOtherTeamAsOther() {
        var metrics = metrics(List.of(LISTED_TEAM));

        metrics.completed(chat(LISTED_TEAM, "success", 0, 0));
        metrics.completed(chat(UUID.randomUUID(), "success", 0, 0));
        metrics.completed(chat(UUID.randomUUID(), "success", 0, 0));
        metrics.completed(chat(null, "invalid_api_key", 0, 0));

        assertThat(registry.get(GatewayMetrics.REQUESTS).tag("team", LISTED_TEAM.toString()).counter().count())
                .isEqualTo(1);
        assertThat(registry.get(GatewayMetrics.REQUESTS).tag("team", "other").counters())
                .extracting(c -> c.getId().getTag("outcome")).containsExactlyInAnyOrder("success", "invalid_api_key");
        assertThat(registry.get(GatewayMetrics.REQUESTS).tag("team", "other").tag("outcome", "success")
                .counter().count()).isEqualTo(2);
    }

    @Test
    void refusesAnAllowListLongEnoughToSwampPrometheus() {
        var tooMany = IntStream.range(0, MetricsProperties.MAX_TAGGED_TEAMS + 1).mapToObj(i -> UUID.randomUUID())
                .toList();

        assertThatThrownBy(() -> new MetricsProperties(tooMany)).hasMessageContaining("gateway.metrics.teams");
    }

    @Test
    void measuresGatewayOverheadAsDurationMinusBackendTime() {
        metrics(List.of()).completed(new CompletedRequest("chat", "m1", "b1", "success", null,
                120 * MS, 100 * MS, 0, 10, 5, BilledBy.REPORTED));

        assertThat(registry.get(GatewayMetrics.OVERHEAD).timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(20);
    }

    @Test
    void measuresTimePerOutputTokenAfterTheFirstOnSuccessfulStreams() {
        var metrics = metrics(List.of());

        // 100 ms to the first token, then 10 more tokens in 500 ms
        metrics.completed(chat(null, "success", 100 * MS, 11));
        metrics.completed(chat(null, "client_closed", 100 * MS, 11));

        assertThat(registry.get(GatewayMetrics.TIME_TO_FIRST_TOKEN).timer().count()).isEqualTo(2);
        var perToken = registry.get(GatewayMetrics.TIME_PER_OUTPUT_TOKEN).timer();
        assertThat(perToken.count()).isEqualTo(1);
        assertThat(perToken.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(50);
    }

    @Test
    void namesOperationsAsOpenTelemetryDoes() {
        var metrics = metrics(List.of());

        metrics.completed(new CompletedRequest("completions", "m1", "b1", "success", null, MS, 0, 0, 3, 4,
                BilledBy.REPORTED));

        assertThat(tokens("input").summary().totalAmount()).isEqualTo(3);
        assertThat(tokens("output").summary().totalAmount()).isEqualTo(4);
    }

    @Test
    void collapsesModelsNoBackendServesIntoOther() {
        metrics(List.of()).completed(new CompletedRequest("chat", "not-configured", null, "model_not_found", null,
                MS, 0, 0, 0, 0, BilledBy.NONE));

        assertThat(registry.get(GatewayMetrics.REQUESTS).counter().getId().getTag("model")).isEqualTo("other");
        assertThat(registry.get(GatewayMetrics.REQUESTS).counter().getId().getTag("backend")).isEqualTo("none");
    }

    @Test
    void countsAnswersBilledWithoutUsageFiguresByBackendAndHowTheyWereBilled() {
        var metrics = metrics(List.of());

        metrics.completed(billed(BilledBy.REPORTED));
        metrics.completed(billed(BilledBy.NONE));
        metrics.completed(billed(BilledBy.RESERVATION));
        metrics.completed(billed(BilledBy.RESERVATION));
        metrics.completed(billed(BilledBy.STREAMED));

        assertThat(registry.get(GatewayMetrics.UNMETERED_ANSWERS).counters())
                .extracting(c -> c.getId().getTag("billed_by"), c -> c.getId().getTag("backend"), c -> c.count())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("reservation", "b1", 2.0),
                        org.assertj.core.groups.Tuple.tuple("streamed", "b1", 1.0));
    }

    private static CompletedRequest billed(BilledBy billedBy) {
        return new CompletedRequest("chat", "m1", "b1", "success", null, MS, MS, 0, 1, 1, billedBy);
    }

    private RequiredSearch tokens(String type) {
        return registry.get(GatewayMetrics.TOKEN_USAGE).tag("gen_ai.operation.name", "text_completion")
                .tag("gen_ai.request.model", "m1").tag("backend", "b1").tag("gen_ai.token.type", type);
    }

    private GatewayMetrics metrics(List<UUID> teams) {
        var backend = new Backend("b1", BackendType.OPENAI,
                URI.create("http://127.0.0.1:1/v1"), null, List.of("m1"), java.util.Map.of(), 1, 0);
        return new GatewayMetrics(registry, new BackendRegistry(new BackendsProperties(List.of(backend))),
                new MetricsProperties(teams));
    }

    /** A streamed chat answer: 600 ms in all, the first token after {@code ttftNanos}. */
    private static CompletedRequest chat(UUID team, String outcome, long ttftNanos, int outputTokens) {
        return new CompletedRequest("chat", "m1", "b1", outcome, team, 600 * MS, 550 * MS, ttftNanos, 7,
                outputTokens, BilledBy.REPORTED);
    }
}
