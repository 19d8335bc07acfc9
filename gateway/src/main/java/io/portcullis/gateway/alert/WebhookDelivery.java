package io.portcullis.gateway.alert;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.backend.UpstreamDestinations;
import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The outbox's worker, on every replica: claims due deliveries, sends them (each batch in
 * parallel, on virtual threads) and records how each attempt ended. A failure is retried after
 * an exponential back-off with jitter (half the delay fixed, half random, so that replicas and
 * webhooks that failed together do not retry together) until {@code max-attempts}, then given
 * up. The destination is checked again before each attempt, so a name that now resolves where
 * {@code gateway.upstream.allowed-hosts} forbids is not called.
 */
@Component
class WebhookDelivery implements PeriodicWork, DisposableBean {

    /** Counter of attempts; tags {@code outcome} (delivered, failed, gave_up) and {@code event} (the event tag). */
    static final String DELIVERIES = "portcullis.alerts.deliveries";
    /** Gauge of deliveries neither delivered nor given up. */
    static final String PENDING = "portcullis.alerts.pending";
    private static final int BATCH = 16;
    private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);

    enum Outcome { DELIVERED, FAILED, GAVE_UP }

    private final AlertOutboxStore outbox;
    private final WebhookStore webhooks;
    private final UpstreamDestinations destinations;
    private final AlertProperties properties;
    private final WebhookSender sender;
    private final Map<AlertEvent, Map<Outcome, Counter>> counters = new EnumMap<>(AlertEvent.class);
    private final AtomicLong pending = new AtomicLong();

    WebhookDelivery(AlertOutboxStore outbox, WebhookStore webhooks, UpstreamDestinations destinations,
                    AlertProperties properties, MeterRegistry registry) {
        this.outbox = outbox;
        this.webhooks = webhooks;
        this.destinations = destinations;
        this.properties = properties;
        this.sender = new WebhookSender(properties.connectTimeout(), properties.readTimeout());
        for (AlertEvent event : AlertEvent.values()) {
            var byOutcome = new EnumMap<Outcome, Counter>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(outcome, Counter.builder(DELIVERIES).description("Webhook delivery attempts")
                        .tag("event", event.tag()).tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry));
            }
            counters.put(event, byOutcome);
        }
        Gauge.builder(PENDING, pending, AtomicLong::get).description("Webhook deliveries waiting to be sent")
                .register(registry);
    }

    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        return List.of(new HousekeepingTask("alert.deliveries", properties.deliveryPeriod(), properties.deliveryPeriod(),
                this::deliverDue));
    }

    @Override
    public void destroy() {
        sender.close();
    }

    /** Sends what is due, batch after batch, until nothing is; then updates the pending gauge. */
    void deliverDue() {
        while (true) {
            var claimed = outbox.claim(BATCH, properties.claim());
            if (claimed.isEmpty()) {
                break;
            }
            var threads = new ArrayList<Thread>();
            for (var delivery : claimed) {
                threads.add(Thread.ofVirtual().name("alert-delivery").start(() -> attempt(delivery)));
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return; // shutting down: the claims expire and another replica (or the next start) sends
                }
            }
            if (claimed.size() < BATCH) {
                break;
            }
        }
        pending.set(outbox.pending());
    }

    private void attempt(AlertOutboxStore.Claimed d) {
        WebhookSender.Result result;
        var refusal = destinations.refusal(d.url());
        if (refusal.isPresent()) {
            result = new WebhookSender.Result.Failed(null, "destination refused: " + refusal.get());
        } else {
            String secret;
            try {
                secret = webhooks.open(d.webhookId(), d.url(), d.sealedSecret());
            } catch (IllegalStateException e) {
                result = new WebhookSender.Result.Failed(null, "signing secret does not open (encryption key changed or"
                        + " row altered)");
                record(d, result);
                return;
            }
            result = sender.send(d.url(), d.eventId(), d.event(), d.body(), secret);
        }
        record(d, result);
    }

    private void record(AlertOutboxStore.Claimed d, WebhookSender.Result result) {
        AlertEvent event = AlertEvent.of(d.event()).orElse(AlertEvent.BUDGET_THRESHOLD);
        try {
            switch (result) {
                case WebhookSender.Result.Delivered ok -> {
                    outbox.delivered(d.id(), ok.status());
                    counters.get(event).get(Outcome.DELIVERED).increment();
                }
                case WebhookSender.Result.Failed failed -> {
                    boolean giveUp = d.attempts() >= properties.maxAttempts();
                    outbox.failed(d.id(), failed.status(), failed.error(), giveUp ? null
                            : backoff(d.attempts(), properties.initialBackoff(), properties.maxBackoff(),
                                    ThreadLocalRandom.current()));
                    counters.get(event).get(giveUp ? Outcome.GAVE_UP : Outcome.FAILED).increment();
                    if (giveUp) {
                        log.warn("Gave up delivering event {} to webhook {} after {} attempts: {}", d.eventId(),
                                d.webhookId(), d.attempts(), failed.error());
                    }
                }
            }
        } catch (RuntimeException e) {
            // the claim expires and the delivery is attempted again: at least once
            log.warn("Could not record the delivery of event {}: {}", d.eventId(), e.toString());
        }
    }

    /**
     * The wait before the next attempt after {@code attempts} failed ones: {@code initial} doubled
     * per failure up to {@code max}, with "equal jitter" (half the delay fixed, half random).
     */
    static Duration backoff(int attempts, Duration initial, Duration max, RandomGenerator random) {
        long cap = max.toMillis();
        long delay = Math.min(initial.toMillis(), cap);
        for (int i = 1; i < attempts && delay < cap; i++) {
            delay = Math.min(cap, delay * 2); // never past the cap, so never an overflow
        }
        long half = Math.max(1, delay / 2);
        return Duration.ofMillis(half + random.nextLong(delay - half + 1));
    }
}
