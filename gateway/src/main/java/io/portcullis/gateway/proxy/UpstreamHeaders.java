package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import io.portcullis.gateway.web.ClientExchange;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The headers sent to a deployment, by allow list: nothing of the client's goes upstream unless
 * the backend's protocol lists it, and what is listed is checked first. A header the client may
 * set but the gateway must not pass blindly is one a client could use to spend the gateway's
 * upstream key differently: {@code OpenAI-Organization} and {@code OpenAI-Project} choose whom
 * that key bills, {@code anthropic-beta} turns on priced features the gateway does not meter.
 *
 * <p>The gateway always sends its own {@code x-request-id} and the backend's credential, and when it
 * traces, its own {@code traceparent} (the attempt's span, {@link RequestTracing}); it never sends
 * the client's. {@code content-type: application/json} is set by {@code UpstreamClient.post}
 * from the body, and host, length and connection headers by the HTTP client, so none of them is
 * here.
 *
 * <p>One {@link Protocol} per backend type; a new type is one more entry in {@link #PROTOCOLS}
 * (the class refuses to load if a type has none).
 */
final class UpstreamHeaders {

    private static final Logger log = LoggerFactory.getLogger(UpstreamHeaders.class);

    /** The gateway's {@code accept} when the client sent none or nonsense: either answer shape. */
    static final String DEFAULT_ACCEPT = "application/json, text/event-stream";
    /** A media range list as RFC 9110 writes it, without quoted parameters; enough for every SDK. */
    private static final Pattern MEDIA_RANGES;
    private static final Pattern ANTHROPIC_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    /** The shape of a beta name; anything else is not even logged as is. */
    private static final Pattern BETA_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final int MAX_ACCEPT_LENGTH = 256;
    /**
     * What SDKs send as their whole {@code accept}: each a plain media range list already, so it
     * is passed on as is without joining and matching it on every request.
     */
    private static final Set<String> COMMON_ACCEPTS = Set.of("application/json", "text/event-stream", "*/*",
            DEFAULT_ACCEPT, "application/json, text/plain, */*");

    static {
        String token = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
        String range = token + "/" + token + "(?:[ \\t]*;[ \\t]*" + token + "=" + token + ")*";
        MEDIA_RANGES = Pattern.compile(range + "(?:[ \\t]*,[ \\t]*" + range + ")*");
    }

    /** The client's request headers, looked up by name in any case; the gateway's view of them, not a servlet's. */
    @FunctionalInterface
    interface ClientHeaders {
        /** Every value the client sent under this name, in order; empty when none. */
        List<String> values(String name);

        /** From a map whose names may be in any case (tests, and anything that is not a servlet). */
        static ClientHeaders of(Map<String, List<String>> headers) {
            var byName = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((name, values) -> byName.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
            return name -> byName.getOrDefault(name, List.of());
        }

        /** A client-API request's headers, whichever server carries it. */
        static ClientHeaders of(ClientExchange exchange) {
            return exchange::headers;
        }

        /**
         * A servlet request's headers (stored responses, still a servlet), read as {@link ServletExchange} reads them.
         */
        static ClientHeaders of(HttpServletRequest request) {
            return name -> ServletExchange.headers(request, name);
        }
    }

    /** How the backend's own key is sent. */
    private record Credential(String header, String prefix) {
        static final Credential BEARER = new Credential("authorization", "Bearer ");
        static final Credential X_API_KEY = new Credential("x-api-key", "");
        /** Google's API key header (the Gemini API also takes {@code ?key=}, which would put it in URLs and logs). */
        static final Credential X_GOOG_API_KEY = new Credential("x-goog-api-key", "");
    }

    /**
     * One header the client may influence: the value to send (checked, trimmed to what the
     * backend allows, or the gateway's default), or null for none (not an {@code Optional}: this
     * runs for every header of every call, and the answer never leaves this class).
     */
    @FunctionalInterface
    private interface Rule {
        String value(List<String> client, Backend backend);
    }

    /** One header taken from the client (lower-case name) and the rule it passes. */
    private record Allowed(String name, Rule rule) {
    }

    /** What a backend type accepts from the client, in the order sent, and how its key is sent. */
    private record Protocol(Credential credential, List<Allowed> fromClient) {
    }

    private static final List<Allowed> OPENAI_HEADERS = List.of(new Allowed("accept", UpstreamHeaders::accept));
    private static final List<Allowed> ANTHROPIC_HEADERS = List.of(
            new Allowed("accept", UpstreamHeaders::accept),
            new Allowed("anthropic-version", UpstreamHeaders::anthropicVersion),
            new Allowed("anthropic-beta", UpstreamHeaders::anthropicBeta));
    /**
     * Gemini answers are translated by the gateway: the client's {@code accept} names the form the
     * gateway answers in, not Google's, so the gateway's own is sent.
     */
    private static final List<Allowed> GEMINI_HEADERS = List.of(
            new Allowed("accept", (client, backend) -> DEFAULT_ACCEPT));

    private static final Map<BackendType, Protocol> PROTOCOLS = new EnumMap<>(Map.of(
            BackendType.OPENAI, new Protocol(Credential.BEARER, OPENAI_HEADERS),
            BackendType.OLLAMA, new Protocol(Credential.BEARER, OPENAI_HEADERS),
            BackendType.ANTHROPIC, new Protocol(Credential.X_API_KEY, ANTHROPIC_HEADERS),
            BackendType.GEMINI, new Protocol(Credential.X_GOOG_API_KEY, GEMINI_HEADERS)));

    static {
        for (BackendType type : BackendType.values()) {
            if (!PROTOCOLS.containsKey(type)) {
                throw new IllegalStateException("No upstream header allow list for backend type " + type.tag());
            }
        }
    }

    private UpstreamHeaders() {
    }

    /**
     * The headers for one call to this backend.
     *
     * @param requestId the gateway's id for the request (already checked by {@code RequestIdFilter})
     * @return name, value, name, value... as {@code UpstreamClient.post} takes them
     */
    static String[] forCall(Backend backend, String requestId, ClientHeaders client) {
        return forCall(backend, requestId, null, client);
    }

    /**
     * As {@link #forCall(Backend, String, ClientHeaders)}, with the gateway's own trace context.
     *
     * @param traceparent the W3C {@code traceparent} of the gateway's span for this call, or null
     *                    when not traced; whatever the client sent under that name is never sent
     */
    static String[] forCall(Backend backend, String requestId, String traceparent, ClientHeaders client) {
        Protocol protocol = PROTOCOLS.get(backend.type());
        List<Allowed> fromClient = protocol.fromClient();
        // sized for every header that may be sent; cut only when a rule sent none (anthropic-beta)
        String[] headers = new String[2 * (1 + (traceparent == null ? 0 : 1) + fromClient.size()
                + (backend.apiKey() == null ? 0 : 1))];
        int n = 0;
        headers[n++] = "x-request-id";
        headers[n++] = requestId;
        if (traceparent != null) {
            headers[n++] = "traceparent";
            headers[n++] = traceparent;
        }
        for (Allowed allowed : fromClient) {
            String value = allowed.rule().value(client.values(allowed.name()), backend);
            if (value != null) {
                headers[n++] = allowed.name();
                headers[n++] = value;
            }
        }
        if (backend.apiKey() != null) {
            headers[n++] = protocol.credential().header();
            headers[n++] = protocol.credential().prefix() + backend.apiKey();
        }
        return n == headers.length ? headers : Arrays.copyOf(headers, n);
    }

    /** The client's {@code accept} when it is a plain list of media ranges, else the gateway's. */
    private static String accept(List<String> client, Backend backend) {
        if (client.size() == 1 && COMMON_ACCEPTS.contains(client.getFirst())) {
            return client.getFirst();
        }
        String joined = String.join(", ", client).strip();
        boolean sane = !joined.isEmpty() && joined.length() <= MAX_ACCEPT_LENGTH
                && MEDIA_RANGES.matcher(joined).matches();
        return sane ? joined : DEFAULT_ACCEPT;
    }

    /** The client's version when it looks like one (a date); the gateway's otherwise. */
    private static String anthropicVersion(List<String> client, Backend backend) {
        if (client.size() == 1 && ANTHROPIC_VERSION.matcher(client.getFirst().strip()).matches()) {
            return client.getFirst().strip();
        }
        return AnthropicRequests.API_VERSION;
    }

    /**
     * Only the beta names this backend's {@code anthropic-beta} setting lists; none when the client
     * asked for none of them. Dropped names are logged at debug (never counted: client text is no
     * metric tag).
     */
    private static String anthropicBeta(List<String> client, Backend backend) {
        if (client.isEmpty()) {
            return null;
        }
        Set<String> kept = new LinkedHashSet<>();
        List<String> dropped = new ArrayList<>();
        for (String header : client) {
            for (String name : header.split(",")) {
                String beta = name.strip();
                if (beta.isEmpty()) {
                    continue;
                }
                if (backend.anthropicBeta().contains(beta)) {
                    kept.add(beta);
                } else {
                    dropped.add(BETA_NAME.matcher(beta).matches() ? beta : "<malformed>");
                }
            }
        }
        if (!dropped.isEmpty() && log.isDebugEnabled()) {
            log.debug("anthropic-beta {} not sent to backend '{}': not in its anthropic-beta list", dropped,
                    backend.name());
        }
        return kept.isEmpty() ? null : String.join(",", kept);
    }
}
