package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties;
import java.net.http.HttpClient;
import java.util.concurrent.Executors;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One HTTP client for every backend call: the JDK client pools connections per origin, and its
 * blocking calls park virtual threads cheaply, so no per-request thread pool exists anywhere.
 */
@Configuration(proxyBeanMethods = false)
class UpstreamClientConfiguration {

    @Bean(destroyMethod = "close")
    HttpClient upstreamHttpClient(GatewayProperties properties) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(properties.upstream().connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }
}
