package io.portcullis.gateway;

import io.portcullis.gateway.dataplane.DataPlaneProperties;
import io.portcullis.policy.AccessPolicy;
import java.time.Clock;
import java.time.InstantSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Beans without a better home: the clock, the pure policy, the shared event loops, and the console's entry page. */
@Configuration(proxyBeanMethods = false)
class CoreConfiguration implements WebMvcConfigurer {

    /** Injected everywhere time matters, so tests can move it. */
    @Bean
    InstantSource instantSource() {
        return Clock.systemUTC();
    }

    /**
     * The data plane's and the upstream client's event loops, one set for both ({@link NettyEventLoops}),
     * on the transport {@code gateway.data-plane.transport} asks for.
     */
    @Bean(destroyMethod = "close")
    NettyEventLoops nettyEventLoops(DataPlaneProperties dataPlane) {
        return new NettyEventLoops(Runtime.getRuntime().availableProcessors(), NettyTransport.of(dataPlane.transport()));
    }

    @Bean
    AccessPolicy accessPolicy() {
        return new AccessPolicy();
    }

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addViewController("/admin").setViewName("redirect:/admin/");
        registry.addViewController("/admin/").setViewName("forward:/admin/index.html");
    }
}
