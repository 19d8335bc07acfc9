package io.portcullis.gateway.web;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tomcat settings that cannot be expressed as properties. */
@Configuration(proxyBeanMethods = false)
class ServerConfiguration {

    /** A request Spring Security's firewall refuses before any controller is a 400 in the contract's shape. */
    @Bean
    org.springframework.security.web.firewall.RequestRejectedHandler requestRejectedHandler() {
        return (request, response, e) -> ErrorWriter.write(response,
                ApiError.invalidRequest("Malformed request: " + "refused by the request firewall", null));
    }

    /**
     * 4 KB socket read and write buffers per connection instead of 8 KB: a gateway holds thousands
     * of mostly idle streams, each keeping its connection's buffers for its whole life, and SSE
     * events are small (larger writes bypass the buffer). Measured in docs/performance.md.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> smallSocketBuffers() {
        return factory -> factory.addConnectorCustomizers(connector -> {
            connector.setProperty("socket.appReadBufSize", "4096");
            connector.setProperty("socket.appWriteBufSize", "4096");
        });
    }

    /** Even errors Tomcat answers itself use the contract's JSON error shape. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
        });
    }
}
