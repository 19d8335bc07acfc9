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
