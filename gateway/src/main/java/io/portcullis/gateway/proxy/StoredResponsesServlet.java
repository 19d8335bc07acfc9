package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.UpstreamClient;
import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import io.portcullis.gateway.responses.ResponseOwnership;
import io.portcullis.gateway.responses.StoredResponse;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.PresentedKey;
import io.portcullis.gateway.web.RequestIdFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DataAccessException;

/**
 * {@code GET /v1/responses/{id}}, {@code DELETE /v1/responses/{id}} and
 * {@code GET /v1/responses/{id}/input_items}: passed to the backend that stored the response, and
 * only for the key that created it ({@link ResponsesAccess}); any other key, and any id the gateway
 * did not see created, gets 404 {@code not_found} without a backend call. Nothing is generated, so
 * nothing is billed. The answer (JSON, or events for {@code stream=true}) is relayed as it arrives.
 */
final class StoredResponsesServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(StoredResponsesServlet.class);
    /** Query parameters of these endpoints that are passed on; any other is dropped. */
    private static final Set<String> QUERY_PARAMETERS = Set.of("include", "include[]", "stream", "starting_after",
            "include_obfuscation", "after", "before", "limit", "order");
    /** A query value as sent, still percent-encoded: nothing that could change the upstream URL's meaning. */
    private static final Pattern QUERY_VALUE = Pattern.compile("[A-Za-z0-9_.%-]{0,200}");
    private static final int RELAY_CHUNK = 16 * 1024;

    private final transient ApiKeyAuthenticator authenticator;
    private final transient ResponsesAccess access;
    private final transient ResponseOwnership ownership;
    private final transient BackendRegistry backends;
    private final transient UpstreamClient client;

    StoredResponsesServlet(ApiKeyAuthenticator authenticator, ResponsesAccess access, ResponseOwnership ownership,
                           BackendRegistry backends, UpstreamClient client) {
        this.authenticator = authenticator;
        this.access = access;
        this.ownership = ownership;
        this.backends = backends;
        this.client = client;
    }

    /** What was asked: the response id, and the path below it ("" or "/input_items"). */
    private record Target(String id, String below) {
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String[] segments = request.getPathInfo() == null ? new String[0] : request.getPathInfo().split("/", -1);
        // "/{id}" splits to ["", id]; "/{id}/input_items" to ["", id, "input_items"]
        Target target;
        String allowed;
        if (segments.length == 2 && !segments[1].isEmpty()) {
            target = new Target(segments[1], "");
            allowed = "GET, DELETE";
        } else if (segments.length == 3 && !segments[1].isEmpty() && segments[2].equals("input_items")) {
            target = new Target(segments[1], "/input_items");
            allowed = "GET";
        } else {
            ErrorWriter.write(response, ApiError.notFound("No such endpoint"));
            return;
        }
        String method = request.getMethod();
        if (!List.of(allowed.split(", ")).contains(method)) {
            response.setHeader("Allow", allowed);
            ErrorWriter.write(response, ApiError.ofStatus(405, "Method not allowed on this endpoint"));
            return;
        }
        try {
            Caller caller = authenticator.authenticate(PresentedKey.of(request));
            StoredResponse stored = access.owned(caller, target.id())
                    .orElseThrow(() -> ResponsesAccess.notFound(target.id()).toException());
            Backend backend = backends.backend(stored.backend()).orElseThrow(() -> ApiError.upstreamUnavailable(
                    "The backend that stored response '" + stored.id() + "' is no longer configured").toException());
            forward(request, response, method, stored, backend, target.below());
        } catch (GatewayException e) {
            ErrorWriter.write(response, e);
        } catch (RuntimeException e) {
            log.error("Unhandled error on {} {} (request {})", method, request.getRequestURI(),
                    RequestIdFilter.of(request), e);
            ErrorWriter.write(response, ApiError.internal());
        }
    }

    private void forward(HttpServletRequest request, HttpServletResponse response, String method,
                         StoredResponse stored, Backend backend, String below) throws IOException {
        // the id matched ResponseOwnership.ID when it was found, so it is safe in a path
        var uri = new Deployment(backend, stored.model(), stored.model())
                .url("/responses/" + stored.id() + below, query(request.getQueryString()));
        String[] headers = UpstreamHeaders.forCall(backend, RequestIdFilter.of(request),
                UpstreamHeaders.ClientHeaders.of(request));
        UpstreamAnswer answer;
        try {
            answer = client.send(method, uri, headers);
        } catch (ConnectException e) {
            throw ApiError.upstreamUnavailable("Backend '" + backend.name() + "' is unreachable").toException();
        } catch (SocketTimeoutException e) {
            throw ApiError.upstreamTimeout("Backend '" + backend.name() + "' did not answer in time").toException();
        } catch (IOException e) {
            throw ApiError.upstreamError("Backend '" + backend.name() + "' failed to give a valid HTTP answer")
                    .toException();
        }
        try (answer) {
            int status = answer.status();
            if (method.equals("DELETE") && status / 100 == 2) {
                forget(stored);
            }
            if (status == 401 || status == 403) {
                // the backend refused the gateway's own key: not the client's doing
                throw ApiError.upstreamError("Backend '" + backend.name() + "' refused the gateway's API key ("
                        + status + ")").toException();
            }
            relay(answer, status, response);
        }
    }

    private void forget(StoredResponse stored) {
        try {
            ownership.forget(stored.id());
        } catch (DataAccessException e) {
            // the backend has deleted it: a stale row only leads its owner to the backend's own 404
            log.warn("Could not forget deleted response {}", stored.id(), e);
        }
    }

    /** Copies the answer as it arrives, flushing each read (a {@code stream=true} retrieval is events). */
    private static void relay(UpstreamAnswer answer, int status, HttpServletResponse response) throws IOException {
        String contentType = answer.header("content-type");
        response.setStatus(status);
        response.setContentType(contentType != null ? contentType : "application/json");
        InputStream in = answer.body();
        OutputStream out = response.getOutputStream();
        byte[] chunk = new byte[RELAY_CHUNK];
        while (true) {
            int n;
            try {
                n = in.read(chunk);
            } catch (IOException e) {
                if (!response.isCommitted()) {
                    response.resetBuffer();
                    throw ApiError.upstreamError("The backend broke off its answer").toException();
                }
                return; // the status is sent: the client sees the answer end early
            }
            if (n < 0) {
                break;
            }
            out.write(chunk, 0, n);
            out.flush();
        }
    }

    /** The client's query, keeping only the known parameters with plain values, or null (no "?"). */
    static String query(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            String decoded;
            try {
                decoded = URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (QUERY_PARAMETERS.contains(decoded) && QUERY_VALUE.matcher(value).matches()
                    && QUERY_VALUE.matcher(name).matches()) {
                kept.add(pair);
            }
        }
        return kept.isEmpty() ? null : String.join("&", kept);
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        ServletRegistrationBean<StoredResponsesServlet> storedResponsesServlet(ApiKeyAuthenticator authenticator,
                ResponsesAccess access, ResponseOwnership ownership, BackendRegistry backends, UpstreamClient client) {
            var registration = new ServletRegistrationBean<>(new StoredResponsesServlet(authenticator, access,
                    ownership, backends, client), "/v1/responses/*");
            registration.setName("stored-responses");
            registration.setLoadOnStartup(1);
            return registration;
        }
    }
}
