package io.portcullis.gateway.proxy;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.web.ClientExchange;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The client API's traces, in one place: one span per client request with the OpenTelemetry GenAI
 * attributes, and below it one span each for the decision, every upstream attempt and the ledger
 * write (docs/operations.md, "Traces").
 *
 * <p>Spans carry facts the gateway decided or counted (models it serves, tokens, statuses,
 * deployments, circuit states): never the client's text, the answer, or a key. Spring Boot's
 * OpenTelemetry SDK exports them over OTLP when {@value #ENDPOINT_PROPERTY} is set; without it
 * every trace here is {@link Trace#OFF}, which costs nothing and sends no {@code traceparent}.
 *
 * <p>Only W3C {@code traceparent} is read from the client, and only the gateway's own span context
 * goes upstream ({@link UpstreamHeaders}): a client cannot make a backend see a trace it chose,
 * other than as the parent of the gateway's spans.
 */
@Component
class RequestTracing {

    /** Spring Boot's OTLP span export endpoint: unset, the gateway traces nothing. */
    static final String ENDPOINT_PROPERTY = "management.opentelemetry.tracing.export.otlp.endpoint";

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("portcullis.request_id");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("portcullis.outcome");
    static final AttributeKey<String> BILLED_BY = AttributeKey.stringKey("portcullis.billed_by");
    static final AttributeKey<Boolean> STREAMED = AttributeKey.booleanKey("portcullis.streamed");
    static final AttributeKey<String> BACKEND = AttributeKey.stringKey("portcullis.backend");
    static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("portcullis.deployment");
    static final AttributeKey<Long> RETRY = AttributeKey.longKey("portcullis.retry");
    static final AttributeKey<String> CIRCUIT = AttributeKey.stringKey("portcullis.circuit.state");

    /** Reads the client's headers for the W3C propagator; only {@code traceparent} and {@code tracestate} are asked. */
    private static final TextMapGetter<ClientExchange> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ClientExchange request) {
            return request.headerNames();
        }

        @Override
        public String get(ClientExchange request, String name) {
            return request == null ? null : request.header(name);
        }
    };

    private final Tracer tracer;

    RequestTracing(ObjectProvider<OpenTelemetry> openTelemetry, Environment environment) {
        String endpoint = environment.getProperty(ENDPOINT_PROPERTY);
        // Without an endpoint Boot builds no exporter: spans would be made only to be dropped.
        this.tracer = endpoint == null || endpoint.isBlank() ? null
                : openTelemetry.getIfAvailable(OpenTelemetry::noop).getTracer("io.portcullis.gateway");
    }

    /** Starts the span of one client request, continuing the client's trace when it sent a valid {@code traceparent}. */
    Trace start(Endpoint endpoint, String requestId, ClientExchange request) {
        if (tracer == null) {
            return Trace.OFF;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
        String operation = operationName(endpoint);
        Span span = tracer.spanBuilder(operation)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(OPERATION, operation)
                .setAttribute(REQUEST_ID, requestId)
                .startSpan();
        return new Trace(tracer, span);
    }

    /** The GenAI operation of an endpoint, named as the metrics name it. */
    static String operationName(Endpoint endpoint) {
        return GatewayMetrics.operationName(endpoint.tag());
    }

    /** {@code gen_ai.provider.name} of a backend type (the semantic conventions' names where they have one). */
    static String providerName(BackendType type) {
        return switch (type) {
            case OPENAI -> "openai";
            case ANTHROPIC -> "anthropic";
            case GEMINI -> "gcp.gemini";
            case OLLAMA -> "ollama";
        };
    }

    /** The spans of one client request; {@link #OFF} when tracing is off, where every call does nothing. */
    static final class Trace {

        static final Trace OFF = new Trace(null, Span.getInvalid());

        private final Tracer tracer;
        private final Span span;

        private Trace(Tracer tracer, Span span) {
            this.tracer = tracer;
            this.span = span;
        }

        /** The trace id for logs, or null when nothing is traced. */
        String traceId() {
            SpanContext context = span.getSpanContext();
            return context.isValid() ? context.getTraceId() : null;
        }

        /** A child span for one step of the request path (decision, ledger). */
        Step step(String name) {
            return new Step(child(name, SpanKind.INTERNAL));
        }

        /** A child span for one call to a deployment. */
        Step attempt(Deployment deployment, int retry, String circuit) {
            Span attempt = child("upstream " + deployment.backend().name(), SpanKind.CLIENT);
            attempt.setAttribute(BACKEND, deployment.backend().name());
            attempt.setAttribute(DEPLOYMENT, deployment.id());
            attempt.setAttribute(PROVIDER, providerName(deployment.backend().type()));
            attempt.setAttribute(RETRY, retry);
            attempt.setAttribute(CIRCUIT, circuit);
            return new Step(attempt);
        }

        private Span child(String name, SpanKind kind) {
            if (tracer == null) {
                return Span.getInvalid();
            }
            return tracer.spanBuilder(name).setParent(Context.root().with(span)).setSpanKind(kind).startSpan();
        }

        /** Ends the request span with what the request came to; nothing of the client's text. */
        void end(Exchange exchange) {
            if (tracer == null) {
                return;
            }
            String operation = operationName(exchange.endpoint);
            if (exchange.model != null && exchange.modelServed) {
                // only configured model names: what a client typed into "model" is its text
                span.setAttribute(REQUEST_MODEL, exchange.model);
                span.updateName(operation + " " + exchange.model);
            }
            if (exchange.deployment != null) {
                span.setAttribute(PROVIDER, providerName(exchange.deployment.backend().type()));
                span.setAttribute(BACKEND, exchange.deployment.backend().name());
                span.setAttribute(RESPONSE_MODEL, exchange.deployment.upstreamModel());
            }
            if (exchange.billedBy != BilledBy.NONE) {
                span.setAttribute(INPUT_TOKENS, exchange.billed.promptTokens());
                span.setAttribute(OUTPUT_TOKENS, exchange.billed.completionTokens());
                span.setAttribute(BILLED_BY, exchange.billedBy.tag());
            }
            span.setAttribute(STREAMED, exchange.streamed);
            span.setAttribute(STATUS_CODE, exchange.status);
            String outcome = exchange.outcome();
            span.setAttribute(OUTCOME, outcome);
            if (exchange.status >= 400 || !Outcome.SUCCESS.tag().equals(outcome)) {
                span.setAttribute(ERROR_TYPE, outcome);
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    /** A child span, ended when closed; marked an error unless {@link #result} said otherwise. */
    static final class Step implements AutoCloseable {

        private final Span span;
        private boolean resulted;

        private Step(Span span) {
            this.span = span;
        }

        /**
         * The {@code traceparent} naming this span, for the call it stands for (unsampled when the
         * client's trace is); null when nothing is traced.
         */
        String traceparent() {
            SpanContext context = span.getSpanContext();
            if (!context.isValid()) {
                return null;
            }
            return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
        }

        /** How the step went: an HTTP status (0 when none) and an error type, or null when it went well. */
        void result(int status, String errorType) {
            resulted = true;
            if (status > 0) {
                span.setAttribute(STATUS_CODE, status);
            }
            if (errorType != null) {
                span.setAttribute(ERROR_TYPE, errorType);
                span.setStatus(StatusCode.ERROR);
            }
        }

        @Override
        public void close() {
            if (!resulted) {
                // left by an exception: a refusal or a bug, either way not a success
                span.setAttribute(ERROR_TYPE, "exception");
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }
}
