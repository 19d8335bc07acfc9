package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.anthropic.AnthropicResponses;
import io.portcullis.gateway.backend.anthropic.AnthropicStreamEncoder;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.backend.gemini.GeminiError;
import io.portcullis.gateway.backend.gemini.GeminiRequests;
import io.portcullis.gateway.backend.gemini.GeminiResponses;
import io.portcullis.gateway.backend.gemini.GeminiStreamDecoder;
import io.portcullis.gateway.web.ApiError;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Google's Gemini API ({@code generativelanguage} v1beta, docs/backends.md): OpenAI chat becomes
 * {@code models/{m}:generateContent} or {@code :streamGenerateContent?alt=sse}, embeddings
 * {@code :batchEmbedContents}, and the answers come back in OpenAI's shapes
 * ({@code backend.gemini}). Anthropic clients on {@code /v1/messages} are served by composing
 * both translations: their request already has an OpenAI form, and the OpenAI answer is turned
 * into Anthropic's as for any OpenAI-compatible backend. Legacy completions are not spoken.
 */
enum GeminiDialect implements BackendDialect {
    INSTANCE;

    private static final Logger log = LoggerFactory.getLogger(GeminiDialect.class);

    @Override
    public UpstreamRequest request(Exchange exchange, ClientRequest request, Deployment deployment,
                                   long defaultMaxTokens) {
        String resource = resource(deployment.upstreamModel());
        if (exchange.endpoint == Endpoint.EMBEDDINGS) {
            return new UpstreamRequest("/" + resource + ":batchEmbedContents",
                    ProxyJson.bytes(GeminiRequests.toBatchEmbed(request.json(), resource)));
        }
        if (exchange.endpoint != Endpoint.CHAT_COMPLETIONS && exchange.endpoint != Endpoint.MESSAGES) {
            throw new UnsupportedContent("The model '" + deployment.model() + "' is served by a Gemini backend,"
                    + " which only answers chat and embeddings requests", "model");
        }
        if (request.untranslatable() != null) {
            // an Anthropic block with no OpenAI form (a document, a search result...)
            throw request.untranslatable();
        }
        // The client's limit (never above the cap: the policy refused that), else the cap; Gemini
        // counts thinking tokens within maxOutputTokens, so the cap holds for them too.
        long maxOutput = request.maxTokens() > 0 ? request.maxTokens() : exchange.outputCap;
        ObjectNode body = GeminiRequests.toGenerateContent(request.json(), maxOutput);
        if (request.stream()) {
            return new UpstreamRequest("/" + resource + ":streamGenerateContent", "alt=sse", ProxyJson.bytes(body));
        }
        return new UpstreamRequest("/" + resource + ":generateContent", ProxyJson.bytes(body));
    }

    /** The model's resource name: {@code models/} added unless configured with a collection already. */
    static String resource(String upstreamModel) {
        return upstreamModel.startsWith("models/") || upstreamModel.startsWith("tunedModels/")
                ? upstreamModel : "models/" + upstreamModel;
    }

    @Override
    public StreamCodec streamCodec(Exchange exchange, ClientRequest request, InstantSource clock) {
        var decoder = new GeminiStreamDecoder(exchange.requestId, request.model(), clock.instant().getEpochSecond());
        var encoder = exchange.endpoint == Endpoint.MESSAGES ? new AnthropicStreamEncoder(request.model()) : null;
        boolean wantsUsage = request.clientWantsUsage();
        return new StreamCodec() {
            @Override
            public List<byte[]> onEvent(byte[] event) {
                JsonNode data = ProxyJson.parseOrNull(SseRelay.dataOf(event));
                if (!(data instanceof ObjectNode)) {
                    return List.of();
                }
                if (data.path("error").isObject()) {
                    exchange.streamFailed = true;
                }
                if (GeminiStreamDecoder.hasOutput(data)) {
                    exchange.streamedTokens++; // one content event: about one token (docs/quotas.md, "Billing")
                }
                List<String> payloads = decoder.onEvent(data);
                if (decoder.finished()) {
                    // counts are running totals: those that come with the finish reason are final
                    exchange.report(ProxyJson.usageOf(decoder.usage()));
                }
                return encode(payloads);
            }

            @Override
            public List<byte[]> onEnd() {
                if (exchange.streamFailed) {
                    return encoder == null ? List.of() : bytes(encoder.finish());
                }
                // Gemini sends no end marker: a clean end is the end, and its last counts the final ones
                exchange.report(ProxyJson.usageOf(decoder.usage()));
                return encode(decoder.finish());
            }

            private List<byte[]> encode(List<String> payloads) {
                List<byte[]> out = new ArrayList<>(payloads.size());
                for (String payload : payloads) {
                    if (encoder != null) {
                        out.addAll(bytes(payload.equals(GeminiStreamDecoder.DONE) ? encoder.finish()
                                : encoder.onChunk(ProxyJson.parseOrNull(payload))));
                    } else if (wantsUsage || !payload.contains("\"choices\":[]")) {
                        out.add(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
                return out;
            }
        };
    }

    @Override
    public AnswerTranslator answerTranslator(Exchange exchange, ClientRequest request, InstantSource clock) {
        boolean anthropicClient = exchange.endpoint == Endpoint.MESSAGES;
        return (status, json, raw) -> {
            if (status / 100 == 2) {
                if (exchange.endpoint == Endpoint.EMBEDDINGS) {
                    return new AnswerTranslator.Translated(status, embeddings(exchange, request, json));
                }
                ObjectNode completion = GeminiResponses.toChatCompletion(json, exchange.requestId, request.model(),
                        clock.instant().getEpochSecond());
                exchange.report(ProxyJson.usageOf(completion.get("usage")));
                return new AnswerTranslator.Translated(status, ProxyJson.bytes(anthropicClient
                        ? AnthropicResponses.toMessage(completion, request.model()) : completion));
            }
            GeminiError error = GeminiError.of(status, json);
            if (error.gatewaysFault()) {
                if (error.status() == 502) {
                    log.warn("Gemini backend '{}' answered {}: {}", exchange.backendName(), status, error.message());
                }
                throw new ApiError(error.status(), error.message(), error.type(), null, error.code()).toException();
            }
            return new AnswerTranslator.Translated(error.status(), ProxyJson.bytes(anthropicClient
                    ? AnthropicResponses.toAnthropicError(error.toOpenAi(), error.status()) : error.toOpenAi()));
        };
    }

    /**
     * An embeddings answer; Google's count is reported when it gives one. Usually it gives none:
     * the request is then billed its reservation (the gateway's prompt estimate), which the
     * answer shows as its usage.
     */
    private static byte[] embeddings(Exchange exchange, ClientRequest request, JsonNode json) {
        exchange.report(UsageScanner.reported(GeminiResponses.embeddingTokens(json), 0, 0));
        boolean base64 = request.json().path("encoding_format").asString("float").equals("base64");
        long estimate = exchange.inspection == null ? 0 : exchange.inspection.promptTokens();
        return ProxyJson.bytes(GeminiResponses.toEmbeddings(json, request.model(), base64, estimate));
    }


    private static List<byte[]> bytes(List<String> events) {
        return events.stream().map(e -> e.getBytes(StandardCharsets.UTF_8)).toList();
    }
}
