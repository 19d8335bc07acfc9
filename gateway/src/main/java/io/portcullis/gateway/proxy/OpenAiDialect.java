package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.anthropic.AnthropicResponses;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import java.time.InstantSource;

/**
 * OpenAI-compatible servers (vLLM, llama.cpp, OpenAI itself) and Ollama's OpenAI-compatible API.
 * The body goes as the client sent it, but for the model name, stream usage and the output cap
 * ({@link ClientRequest#upstreamBody}); answers pass through, except to Anthropic clients on
 * {@code /v1/messages}, who get them translated.
 */
enum OpenAiDialect implements BackendDialect {
    OPENAI(false),
    /**
     * Ollama: {@code max_completion_tokens}, which older builds ignore, goes as {@code max_tokens};
     * older builds report {@code prompt_tokens: 0}, so the gateway's estimate is billed instead.
     */
    OLLAMA(true);

    private final boolean ollama;

    OpenAiDialect(boolean ollama) {
        this.ollama = ollama;
    }

    @Override
    public UpstreamRequest request(Exchange exchange, ClientRequest request, Deployment deployment,
                                   long defaultMaxTokens) {
        if (request.untranslatable() != null) {
            throw request.untranslatable();
        }
        if (ollama && exchange.endpoint == Endpoint.RESPONSES) {
            throw new UnsupportedContent("The model '" + deployment.model() + "' is served by an Ollama backend, which"
                    + " this gateway does not send Responses API requests to; use /v1/chat/completions", "model");
        }
        if (request.upload() != null) {
            return UpstreamRequest.upload(exchange.endpoint.path(), request.upload().upstream(deployment.upstreamModel()));
        }
        return new UpstreamRequest(exchange.endpoint.path(),
                request.upstreamBody(deployment.upstreamModel(), ollama, exchange.outputCap));
    }

    @Override
    public StreamCodec streamCodec(Exchange exchange, ClientRequest request, InstantSource clock) {
        return exchange.endpoint == Endpoint.MESSAGES ? StreamCodec.openAiToAnthropic(exchange, request.model())
                : StreamCodec.openAiPassThrough(exchange, request.clientWantsUsage());
    }

    @Override
    public AnswerTranslator answerTranslator(Exchange exchange, ClientRequest request, InstantSource clock) {
        if (exchange.endpoint != Endpoint.MESSAGES) {
            return null;
        }
        return (status, json, raw) -> {
            if (status / 100 == 2) {
                exchange.report(ProxyJson.usageOf(json.get("usage")));
                return new AnswerTranslator.Translated(status, ProxyJson.bytes(AnthropicResponses.toMessage(json,
                        request.model())));
            }
            return new AnswerTranslator.Translated(status, ProxyJson.bytes(AnthropicResponses.toAnthropicError(json,
                    status)));
        };
    }

    @Override
    public Usage correctUsage(Usage reported, long promptEstimate) {
        if (ollama && reported != null && reported.promptTokens() == 0) {
            return new Usage(promptEstimate, reported.completionTokens(), reported.cachedTokens());
        }
        return reported;
    }
}
