package io.portcullis.gateway.proxy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.coyote.AbstractProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;

/**
 * Counts client-API requests between arrival and their last ledger record: to refuse those
 * beyond {@code gateway.max-concurrent-requests}, and so shutdown can wait for the stragglers.
 * When the web server stops after its grace period, streams still open are cut and their threads
 * wake up to settle and record them; this lifecycle stops after the web server and before the
 * usage ledger, and waits (up to {@value #WAIT_SECONDS} s) until they have, so the ledger's final
 * flush includes them.
 */
@Component
class InFlightRequests implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(InFlightRequests.class);
    static final int WAIT_SECONDS = 10;

    private final AtomicInteger count = new AtomicInteger();
    private final int limit;
    private volatile boolean running;

    InFlightRequests(ProxyProperties properties) {
        this.limit = properties.maxConcurrentRequests();
    }

    /** Counts the request in, unless the limit is reached; {@link #exit()} only after a {@code true}. */
    boolean tryEnter() {
        while (true) {
            int now = count.get();
            if (now >= limit) {
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void exit() {
        count.decrementAndGet();
    }

    @Override
    public void start() {
        running = true;
    }

    /** After the web server (phase -2048) has stopped, before the ledger (phase -4096) flushes. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 3072;
    }

    @Override
    public void stop() {
        running = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(WAIT_SECONDS).toNanos();
        while (count.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (count.get() > 0) {
            log.warn("Shutdown: {} request(s) still finishing after {} s; their usage may be missing", count.get(),
                    WAIT_SECONDS);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Tomcat keeps as many request processors between requests as may be in flight at once, so a
     * warm replica allocates none per request and the processors a burst leaves behind stay within
     * the heap the limit was sized for. (The connector itself is set up in web's ServerConfiguration.)
     */
    @Configuration(proxyBeanMethods = false)
    static class ProcessorCache {
        @Bean
        WebServerFactoryCustomizer<TomcatServletWebServerFactory> processorCache(ProxyProperties properties) {
            return factory -> factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
                    protocol.setProcessorCache(properties.maxConcurrentRequests());
                }
            });
        }
    }
}
