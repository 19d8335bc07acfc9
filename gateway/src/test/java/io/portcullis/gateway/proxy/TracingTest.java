package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Traces as a collector sees them: an OTLP/HTTP receiver started here decodes what a gateway
 * exports. One gateway sends its traces to it; another, without an endpoint, must trace nothing.
 */
@ExtendWith(OutputCaptureExtension.class)
class TracingTest {

    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final String PROMPT = "prompt-text-that-must-stay-out-of-traces-5d1c";
    private static final ScriptedBackend BACKEND = TestGateway.backend();

    private static EmbeddedPostgresServer postgres;
    private static HttpServer receiver;
    private static final Queue<Span> spans = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger exports = new AtomicInteger();
    private static StandaloneGateway traced;
    private static StandaloneGateway untraced;

    @BeforeAll
    static void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            try (exchange) {
                var request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
                exports.incrementAndGet();
                request.getResourceSpansList().forEach(resource -> resource.getScopeSpansList()
                        .forEach(scope -> spans.addAll(scope.getSpansList())));
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        receiver.start();
        TestGateway.resetScripts();
        postgres = EmbeddedPostgresServer.ephemeral();
        traced = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "server.address", "127.0.0.1",
                RequestTracing.ENDPOINT_PROPERTY,
                "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces",
                "management.opentelemetry.tracing.export.schedule-delay", "100ms"));
        untraced = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("server.address", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {traced, untraced, postgres}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // the others still close
            }
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aFailedOverChatIsOneTraceContinuingTheClientsWithDecisionAttemptsAndLedgerBelowIt(CapturedOutput output) {
        String key = traced.client().createKey().secret();

        var answer = chat(traced, key, "failover-500", "trace-failover-1",
                "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");

        assertThat(answer.statusCode()).isEqualTo(200);
        Span request = awaitSpan(s -> "trace-failover-1".equals(attribute(s, "portcullis.request_id")));
        await().atMost(Duration.ofSeconds(10)).until(() -> childrenOf(request).size() >= 4);
        // the client's trace continues: same trace id, the client's span as parent
        assertThat(hex(request.getTraceId())).isEqualTo(CLIENT_TRACE);
        assertThat(hex(request.getParentSpanId())).isEqualTo(CLIENT_SPAN);
        assertThat(request.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(request.getName()).isEqualTo("chat failover-500");
        assertThat(attribute(request, "gen_ai.operation.name")).isEqualTo("chat");
        assertThat(attribute(request, "gen_ai.request.model")).isEqualTo("failover-500");
        assertThat(attribute(request, "gen_ai.response.model")).isEqualTo("failover-500");
        assertThat(attribute(request, "gen_ai.provider.name")).isEqualTo("openai");
        // "secondary" answers with usage 5 in, 1 out (ScriptedBackend.ok)
        assertThat(attribute(request, "gen_ai.usage.input_tokens")).isEqualTo(5L);
        assertThat(attribute(request, "gen_ai.usage.output_tokens")).isEqualTo(1L);
        assertThat(attribute(request, "http.response.status_code")).isEqualTo(200L);

        List<Span> children = childrenOf(request);
        assertThat(children).extracting(Span::getName)
                .containsExactly("decision", "upstream failing", "upstream secondary", "ledger");
        Span failed = children.get(1);
        Span answered = children.get(2);
        assertThat(attribute(failed, "portcullis.retry")).isEqualTo(0L);
        assertThat(attribute(failed, "http.response.status_code")).isEqualTo(500L);
        assertThat(attribute(failed, "error.type")).isEqualTo("500");
        assertThat(attribute(failed, "portcullis.circuit.state")).isNotNull();
        assertThat(attribute(answered, "portcullis.retry")).isEqualTo(1L);
        assertThat(attribute(answered, "portcullis.deployment")).isEqualTo("secondary/failover-500");
        assertThat(attribute(answered, "portcullis.circuit.state")).isEqualTo("closed");
        assertThat(attribute(answered, "http.response.status_code")).isEqualTo(200L);
        assertThat(answered.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);

        // each deployment got the traceparent of its own attempt span, never the client's
        assertThat(upstreamTraceparent("failing", "trace-failover-1"))
                .isEqualTo("00-" + CLIENT_TRACE + "-" + hex(failed.getSpanId()) + "-01");
        assertThat(upstreamTraceparent("secondary", "trace-failover-1"))
                .isEqualTo("00-" + CLIENT_TRACE + "-" + hex(answered.getSpanId()) + "-01");
        // logs and traces join on the access line (written by its writer thread, a moment after the answer)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(output.getAll()).contains("request_id=trace-failover-1 trace_id=" + CLIENT_TRACE + " "));
    }

    @Test
    void aRequestWithoutTraceparentStartsItsOwnTraceAndNothingOfThePromptOrKeysIsInAnyAttribute() {
        String key = traced.client().createKey().secret();

        var answer = chat(traced, key, "fake-chat", "trace-own-1", null);

        assertThat(answer.statusCode()).isEqualTo(200);
        Span request = awaitSpan(s -> "trace-own-1".equals(attribute(s, "portcullis.request_id")));
        assertThat(request.getParentSpanId().isEmpty()).isTrue();
        assertThat(hex(request.getTraceId())).isNotEqualTo(CLIENT_TRACE);
        assertThat(upstreamTraceparent(TestGateway.FAKE, "trace-own-1")).startsWith("00-" + hex(request.getTraceId()) + "-");
        await().atMost(Duration.ofSeconds(10)).until(() -> childrenOf(request).size() >= 3);
        String everyAttribute = spans.stream().flatMap(s -> s.getAttributesList().stream())
                .map(kv -> kv.getKey() + "=" + kv.getValue()).collect(Collectors.joining("\n"));
        assertThat(everyAttribute).doesNotContain(PROMPT).doesNotContain(key)
                .doesNotContain(TestGateway.UPSTREAM_KEY).doesNotContain("Bearer");
        assertThat(spans).extracting(Span::getName).noneMatch(name -> name.contains(PROMPT));
    }

    @Test
    void aModelTheGatewayDoesNotServeIsTracedWithoutTheClientsModelName() {
        String key = traced.client().createKey().secret();

        var answer = chat(traced, key, "no-such-model-" + PROMPT, "trace-unknown-1", null);

        assertThat(answer.statusCode()).isEqualTo(404);
        Span request = awaitSpan(s -> "trace-unknown-1".equals(attribute(s, "portcullis.request_id")));
        assertThat(attribute(request, "gen_ai.request.model")).isNull();
        assertThat(request.getName()).isEqualTo("chat");
        assertThat(attribute(request, "http.response.status_code")).isEqualTo(404L);
        assertThat(request.getStatus().getCode())
                .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    }

    @Test
    void withoutAnEndpointNothingIsExportedAndNoTraceparentGoesUpstream() throws InterruptedException {
        String key = untraced.client().createKey().secret();
        int before = exports.get();

        var answer = chat(untraced, key, "fake-chat", "untraced-1", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(untraced.context().getBeansOfType(SpanExporter.class)).isEmpty();
        // neither the gateway's (there is none) nor the client's
        assertThat(upstreamTraceparent(TestGateway.FAKE, "untraced-1")).isNull();
        Thread.sleep(2_000);
        assertThat(spans).noneMatch(s -> "untraced-1".equals(attribute(s, "portcullis.request_id")));
        // the receiver keeps getting the traced gateway's exports, never a span of this request
        assertThat(exports.get()).isGreaterThanOrEqualTo(before);
    }

    private static HttpResponse<String> chat(StandaloneGateway gateway, String key, String model, String requestId,
                                             String traceparent) {
        var builder = HttpRequest.newBuilder(URI.create(gateway.client().base() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .header("x-request-id", requestId)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}"));
        if (traceparent != null) {
            builder.header("traceparent", traceparent);
        }
        return gateway.client().send(builder.build());
    }

    private static String upstreamTraceparent(String deployment, String requestId) {
        return BACKEND.received(deployment).stream().filter(r -> requestId.equals(r.header("x-request-id")))
                .reduce((a, b) -> b).orElseThrow().header("traceparent");
    }

    private static Span awaitSpan(java.util.function.Predicate<Span> which) {
        await().atMost(Duration.ofSeconds(10)).until(() -> spans.stream().anyMatch(which));
        return spans.stream().filter(which).findFirst().orElseThrow();
    }

    private static List<Span> childrenOf(Span parent) {
        return spans.stream().filter(s -> s.getTraceId().equals(parent.getTraceId())
                        && s.getParentSpanId().equals(parent.getSpanId()))
                .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano))
                .toList();
    }

    /** An attribute's value as a Java value (String, Long, Boolean), or null when the span has none. */
    private static Object attribute(Span span, String key) {
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                AnyValue value = kv.getValue();
                return switch (value.getValueCase()) {
                    case STRING_VALUE -> value.getStringValue();
                    case INT_VALUE -> value.getIntValue();
                    case BOOL_VALUE -> value.getBoolValue();
                    default -> value.toString();
                };
            }
        }
        return null;
    }

    private static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }
}
