package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.RequestIdFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The proxied endpoints ({@code POST /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}, {@code /v1/messages}, {@code /v1/responses}, the audio, image and
 * moderation endpoints) as one plain servlet mapped to their exact paths,
 * ahead of Spring MVC's dispatcher: handler mapping, argument resolution and the interceptor
 * chain did nothing for a handler that reads the body and writes the answer itself, yet cost CPU
 * on every call and frames on every stream's stack (docs/performance.md). The servlet filters
 * (request id, security firewall) still run; errors are answered in the contract's shape as before.
 */
final class ProxyServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(ProxyServlet.class);
    static final Map<String, Endpoint> PATHS = Map.ofEntries(
            Map.entry("/v1/chat/completions", Endpoint.CHAT_COMPLETIONS),
            Map.entry("/v1/completions", Endpoint.COMPLETIONS),
            Map.entry("/v1/embeddings", Endpoint.EMBEDDINGS),
            Map.entry("/v1/messages", Endpoint.MESSAGES),
            Map.entry("/v1/responses", Endpoint.RESPONSES),
            Map.entry("/v1/audio/transcriptions", Endpoint.TRANSCRIPTIONS),
            Map.entry("/v1/audio/translations", Endpoint.TRANSLATIONS),
            Map.entry("/v1/audio/speech", Endpoint.SPEECH),
            Map.entry("/v1/images/generations", Endpoint.IMAGE_GENERATIONS),
            Map.entry("/v1/images/edits", Endpoint.IMAGE_EDITS),
            Map.entry("/v1/moderations", Endpoint.MODERATIONS));

    private final transient ProxyHandler handler;

    ProxyServlet(ProxyHandler handler) {
        this.handler = handler;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Endpoint endpoint = PATHS.get(request.getServletPath());
        if (endpoint == null) { // not reachable through the mappings below; kept total anyway
            ErrorWriter.write(response, ApiError.notFound("No such endpoint"));
            return;
        }
        if (!"POST".equals(request.getMethod())) {
            response.setHeader("Allow", "POST");
            ErrorShape.of(endpoint).write(response, ApiError.ofStatus(405, "Method not allowed on this endpoint"));
            return;
        }
        try {
            handler.handle(endpoint, request, response);
        } catch (IOException e) {
            if (!response.isCommitted()) {
                throw e;
            } // the client went away mid-answer; nothing to tell it
        } catch (RuntimeException e) {
            log.error("Unhandled error on {} {} (request {})", request.getMethod(), request.getRequestURI(),
                    RequestIdFilter.of(request), e);
            if (!response.isCommitted()) {
                ErrorShape.of(endpoint).write(response, ApiError.internal());
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        ServletRegistrationBean<ProxyServlet> proxyServlet(ProxyHandler handler) {
            var registration = new ServletRegistrationBean<>(new ProxyServlet(handler),
                    PATHS.keySet().toArray(String[]::new));
            registration.setName("proxy");
            registration.setLoadOnStartup(1);
            return registration;
        }
    }
}
