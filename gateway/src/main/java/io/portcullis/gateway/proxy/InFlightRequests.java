package io.portcullis.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.web.QueueingDelay;
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
 * beyond {@code gateway.max-concurrent-requests} or beyond what the usage ledger can still take,
 * and so shutdown can wait for the stragglers.
 * Before counting, a request that queued for a thread behind a standing queue is refused too
 * ({@link QueueingDelay}, {@code gateway.shedding.*}): the count is the hard ceiling, the queueing
 * time what keeps the admitted requests fast when the replica is over capacity. Only the client
 * API asks; the control plane, {@code /actuator} and the console are never shed.
 * When the web server stops after its grace period, streams still open are cut and their threads
 * wake up to settle and record them; this lifecycle stops after the web server and before the
 * usage ledger, and waits (up to {@value #WAIT_SECONDS} s) until they have, so the ledger's final
 * flush includes them.
 */
@Component
class InFlightRequests implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(InFlightRequests.class);
    static final int WAIT_SECONDS = 10;
    /** {@code portcullis_shed_requests_total}: client-API requests refused as overloaded, by reason. */
    static final String SHED = "portcullis.shed.requests";
    /** {@code portcullis_queueing_delay_seconds}: the smallest wait for a thread in the last interval. */
    static final String QUEUEING_DELAY = "portcullis.queueing.delay";

    private final AtomicInteger count = new AtomicInteger();
    private final int limit;
    private final QueueingDelay queueing;
    private final Counter shedOnQueueing;
    private final Counter shedOnCount;
    private final Counter shedOnLedger;
    private final UsageLedger ledger;
    private volatile boolean running;

    InFlightRequests(ProxyProperties properties, QueueingDelay queueing, UsageLedger ledger, MeterRegistry registry) {
        this.limit = properties.maxConcurrentRequests();
        this.queueing = queueing;
        this.ledger = ledger;
        this.shedOnQueueing = shedCounter(registry, "queueing");
        this.shedOnCount = shedCounter(registry, "concurrency");
        this.shedOnLedger = shedCounter(registry, "ledger");
        Gauge.builder(QUEUEING_DELAY, queueing, q -> q.standingDelayNanos() / 1e9)
                .baseUnit("seconds")
                .description("Smallest wait for a thread in the last shedding interval (a standing queue)")
                .register(registry);
    }

    private static Counter shedCounter(MeterRegistry registry, String reason) {
        return Counter.builder(SHED)
                .tag("reason", reason)
                .description("Client-API requests refused with 503 overloaded before being read")
                .register(registry);
    }

    /**
     * Counts the request in, unless it queued behind a standing queue, the limit is reached, or
     * the usage ledger's queue has no place left for its record beside those of the requests
     * already in flight (the database is away or slower than the traffic: refusing a request is
     * better than serving it unbilled); {@link #exit()} only after a {@code true}.
     *
     * @param waitedNanos how long the request waited for its thread ({@code ClientExchange.waitedNanos()})
     */
    boolean tryEnter(long waitedNanos) {
        if (queueing.sheds(waitedNanos)) {
            shedOnQueueing.increment();
            return false;
        }
        while (true) {
            int now = count.get();
            if (now >= limit) {
                shedOnCount.increment();
                return false;
            }
            if (ledger.room() <= now) {
                shedOnLedger.increment();
                return false;
            }
            if (count.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** A request refused as it arrived, before it was handed to a thread (counted as shed on queueing). */
    void shedOnArrival() {
        shedOnQueueing.increment();
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
