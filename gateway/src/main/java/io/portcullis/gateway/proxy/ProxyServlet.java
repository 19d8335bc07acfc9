package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The proxied endpoints ({@link ClientApi#PATHS}) on Tomcat: one plain servlet mapped to their
 * exact paths, ahead of Spring MVC's dispatcher: handler mapping, argument resolution and the
 * interceptor chain did nothing for a handler that reads the body and writes the answer itself,
 * yet cost CPU on every call and frames on every stream's stack (docs/performance.md). The servlet
 * filters (request id, security firewall) still run. It only adapts: {@link ServletExchange} over
 * the request and {@link ClientApi} serves it, as it serves the data plane's requests.
 */
final class ProxyServlet extends HttpServlet {

    private final transient ClientApi api;

    ProxyServlet(ClientApi api) {
        this.api = api;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // the servlet path Tomcat mapped (decoded, normalised), not the raw URI: every path it maps here is served
        Endpoint endpoint = ClientApi.PATHS.get(request.getServletPath());
        if (endpoint == null) { // not reachable through the mappings below; kept total anyway
            ErrorWriter.write(response, ApiError.notFound("No such endpoint"));
            return;
        }
        api.serve(endpoint, new ServletExchange(request, response));
    }

    @Configuration(proxyBeanMethods = false)
    static class Registration {
        @Bean
        ServletRegistrationBean<ProxyServlet> proxyServlet(ClientApi api) {
            var registration = new ServletRegistrationBean<>(new ProxyServlet(api),
                    ClientApi.PATHS.keySet().toArray(String[]::new));
            registration.setName("proxy");
            registration.setLoadOnStartup(1);
            return registration;
        }
    }
}
