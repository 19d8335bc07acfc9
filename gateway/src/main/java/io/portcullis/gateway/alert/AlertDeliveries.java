package io.portcullis.gateway.alert;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Recent webhook deliveries and failures, for the admin API and the console. */
@Component
public class AlertDeliveries {

    /** Most rows one call returns. */
    public static final int MAX = AlertOutboxStore.RECENT_MAX;

    private final AlertOutboxStore outbox;

    AlertDeliveries(AlertOutboxStore outbox) {
        this.outbox = outbox;
    }

    /**
     * One delivery of one event to one webhook.
     *
     * @param status        {@code pending} (waiting for its next attempt), {@code delivered}, or {@code failed} (given up)
     * @param lastStatus    the HTTP status of the last answer, null when there was none
     * @param lastError     why the last attempt failed, null after a success
     * @param nextAttemptAt when a pending delivery is tried next
     */
    public record Delivery(long id, UUID eventId, String event, UUID webhookId, String status, int attempts,
                           Integer lastStatus, String lastError, Instant createdAt, Instant updatedAt,
                           Instant nextAttemptAt, Instant deliveredAt) {
    }

    /** The most recent deliveries, newest change first; only those whose last attempt failed when {@code failures}. */
    public List<Delivery> recent(int limit, boolean failures) {
        return outbox.recent(limit, failures).stream().map(d -> new Delivery(d.id(), d.eventId(), d.event(),
                d.webhookId(), d.status(), d.attempts(), d.lastStatus(), d.lastError(), d.createdAt(), d.updatedAt(),
                d.nextAttemptAt(), d.deliveredAt())).toList();
    }
}
