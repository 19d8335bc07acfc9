package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.StreamedBody;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import java.time.InstantSource;

/**
 * How the gateway speaks to one type of backend (docs/backends.md): how a client request becomes
 * the upstream request, and how the answer goes back in the client's protocol. One instance per
 * backend type, chosen once per attempt: nothing else on the request path asks which type a
 * backend is. The headers of each type are in {@link UpstreamHeaders}.
 *
 * <p>Dialects hold no servlet or HTTP-client types: bytes, JSON nodes and small records in and
 * out, so the server or client under {@code /v1} can change without rewriting them.
 */
sealed interface BackendDialect permits OpenAiDialect, AnthropicDialect, GeminiDialect {

    static BackendDialect of(BackendType type) {
        return switch (type) {
            case OPENAI -> OpenAiDialect.OPENAI;
            case OLLAMA -> OpenAiDialect.OLLAMA;
            case ANTHROPIC -> AnthropicDialect.INSTANCE;
            case GEMINI -> GeminiDialect.INSTANCE;
        };
    }

    /**
     * What to send: the path below the deployment's base URL, a plain query or null, and the body:
     * JSON bytes, or for an upload a body written as it is sent ({@code streamed}, else null).
     */
    record UpstreamRequest(String path, String query, byte[] body, StreamedBody streamed) {
        UpstreamRequest(String path, byte[] body) {
            this(path, null, body, null);
        }

        UpstreamRequest(String path, String query, byte[] body) {
            this(path, query, body, null);
        }

        /** A multipart upload, sent from its spool file. */
        static UpstreamRequest upload(String path, StreamedBody streamed) {
            return new UpstreamRequest(path, null, new byte[0], streamed);
        }
    }

    /**
     * The upstream request for one attempt, with the exchange's output cap applied.
     *
     * @throws UnsupportedContent when the request cannot be expressed for this backend (a 400)
     */
    UpstreamRequest request(Exchange exchange, ClientRequest request, Deployment deployment, long defaultMaxTokens);

    /** How this backend's events reach the client: passed on or translated, one codec per stream. */
    StreamCodec streamCodec(Exchange exchange, ClientRequest request, InstantSource clock);

    /**
     * How a whole answer reaches the client: translated (read whole, then rewritten), or null to
     * copy it through as it arrives, its usage read on the way.
     */
    AnswerTranslator answerTranslator(Exchange exchange, ClientRequest request, InstantSource clock);

    /** Corrects what the backend reported once its answer is over (a backend's known quirks). */
    default Usage correctUsage(Usage reported, long promptEstimate) {
        return reported;
    }
}
