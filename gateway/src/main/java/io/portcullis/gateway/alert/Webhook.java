package io.portcullis.gateway.alert;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A webhook as admins see it: never its secret. */
public record Webhook(UUID id, URI url, List<AlertEvent> events, WebhookFormat format, Instant createdAt) {
    public Webhook {
        events = List.copyOf(events);
    }
}
