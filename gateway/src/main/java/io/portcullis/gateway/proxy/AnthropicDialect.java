package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import io.portcullis.gateway.backend.anthropic.AnthropicResponses;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.web.ApiError;
import java.time.InstantSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's Messages API. Anthropic clients ({@code /v1/messages}) are passed through, model
 * renamed; OpenAI chat clients are translated both ways ({@code backend.anthropic}). Only chat is
 * spoken. The backend refusing the gateway's own key is the gateway's problem (502), not the
 * client's 401.
 */
enum AnthropicDialect implements BackendDialect {
    INSTANCE;

    @Override
    public UpstreamRequest request(Exchange exchange, ClientRequest request, Deployment deployment,
                                   long defaultMaxTokens) {
        if (exchange.endpoint == Endpoint.RESPONSES) {
            throw new UnsupportedContent("The model '" + deployment.model() + "' is served by an Anthropic backend,"
                    + " which does not speak the Responses API; use /v1/chat/completions or /v1/messages", "model");
        }
        if (exchange.endpoint != Endpoint.CHAT_COMPLETIONS && exchange.endpoint != Endpoint.MESSAGES) {
            throw new UnsupportedContent("The model '" + deployment.model() + "' is served by an Anthropic backend,"
                    + " which only answers chat requests", null);
        }
        ObjectNode messages;
        if (request.anthropic() != null) {
            // the client's max_tokens is required, and checked against the cap by the policy
            messages = request.anthropic().deepCopy();
            messages.put("model", deployment.upstreamModel());
        } else {
            // Anthropic requires max_tokens: with none from the client, the default, within the cap
            long maxTokens = exchange.outputCap > 0 ? Math.min(defaultMaxTokens, exchange.outputCap) : defaultMaxTokens;
            messages = AnthropicRequests.toMessages(request.json(), deployment.upstreamModel(), maxTokens);
        }
        return new UpstreamRequest("/messages", ProxyJson.bytes(messages));
    }

    @Override
    public StreamCodec streamCodec(Exchange exchange, ClientRequest request, InstantSource clock) {
        return exchange.endpoint == Endpoint.MESSAGES ? StreamCodec.anthropicNative(exchange, clock)
                : StreamCodec.anthropicToOpenAi(exchange, request.clientWantsUsage(), clock);
    }

    @Override
    public AnswerTranslator answerTranslator(Exchange exchange, ClientRequest request, InstantSource clock) {
        boolean anthropicClient = exchange.endpoint == Endpoint.MESSAGES;
        return (status, json, raw) -> {
            if (status / 100 == 2) {
                ObjectNode completion = AnthropicResponses.toChatCompletion(json, clock);
                exchange.report(ProxyJson.usageOf(completion.get("usage")));
                return new AnswerTranslator.Translated(status, anthropicClient ? raw : ProxyJson.bytes(completion));
            }
            if (anthropicClient) {
                return new AnswerTranslator.Translated(status, raw);
            }
            if (status == 401 || status == 403) {
                // The backend refused the gateway's own credentials: not the client's fault.
                throw ApiError.upstreamError("The Anthropic backend refused the gateway's API key (" + status + ")")
                        .toException();
            }
            return new AnswerTranslator.Translated(status == 529 ? 503 : status,
                    ProxyJson.bytes(AnthropicResponses.toOpenAiError(json, status)));
        };
    }
}
