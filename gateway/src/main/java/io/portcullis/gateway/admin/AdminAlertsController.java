package io.portcullis.gateway.admin;

import io.portcullis.gateway.BaseUrl;
import io.portcullis.gateway.alert.AlertDeliveries;
import io.portcullis.gateway.alert.AlertEvent;
import io.portcullis.gateway.alert.Webhook;
import io.portcullis.gateway.alert.WebhookFormat;
import io.portcullis.gateway.alert.WebhookStore;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.backend.UpstreamDestinations;
import io.portcullis.gateway.web.ApiError;
import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/api/alerts}: webhooks that receive budget alerts (docs/alerts.md), and their
 * recent deliveries. Creating and deleting a webhook is the {@code admin} role's only
 * (SecurityConfiguration): it decides where facts about every team are sent. Each change is
 * audited ({@code alert.webhook.create}, {@code alert.webhook.delete}) without the secret and
 * without the URL's path, which for Slack is itself a credential; for the same reason only
 * {@code admin} sees a URL whole, other roles see its origin.
 */
@RestController
@RequestMapping("/admin/api/alerts")
class AdminAlertsController {

    static final int EVENTS_MAX = 10;
    static final int ALERT_AT_MAX = 10;

    private final WebhookStore webhooks;
    private final AlertDeliveries deliveries;
    private final UpstreamDestinations destinations;
    private final AuditLog audit;
    private final InstantSource clock;

    AdminAlertsController(WebhookStore webhooks, AlertDeliveries deliveries, UpstreamDestinations destinations,
                          AuditLog audit, InstantSource clock) {
        this.webhooks = webhooks;
        this.deliveries = deliveries;
        this.destinations = destinations;
        this.audit = audit;
        this.clock = clock;
    }

    /** A webhook; {@code url} whole for admins, its origin followed by {@code /…} for other roles. */
    record WebhookView(UUID id, String url, List<String> events, String format, Instant createdAt) {
        static WebhookView of(Webhook w, boolean whole) {
            return new WebhookView(w.id(), whole ? w.url().toString() : origin(w.url()),
                    w.events().stream().map(AlertEvent::tag).toList(), w.format().tag(), w.createdAt());
        }
    }

    /** The answer to create: the view plus the signing secret, shown this once. */
    record CreatedWebhook(UUID id, String url, List<String> events, String format, Instant createdAt, String secret) {
    }

    record WebhookList(List<WebhookView> data) {
    }

    record DeliveryList(List<AlertDeliveries.Delivery> data) {
    }

    @GetMapping("/webhooks")
    WebhookList list(@AuthenticationPrincipal AdminIdentity caller) {
        boolean whole = caller != null && caller.role() == AdminRole.ADMIN;
        return new WebhookList(webhooks.list().stream().map(w -> WebhookView.of(w, whole)).toList());
    }

    @PostMapping("/webhooks")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional // the webhook and its audit entry commit together
    CreatedWebhook create(@RequestBody(required = false) JsonNode body) {
        AdminJson.object(body);
        for (var field : body.properties()) {
            if (!List.of("url", "events", "format").contains(field.getKey())) {
                throw ApiError.invalidRequest("Unknown field '" + AdminJson.text(field.getKey(), "field", 64)
                        + "'; expected url, events and format", field.getKey()).toException();
            }
        }
        URI url;
        try {
            url = BaseUrl.parse(AdminJson.requiredString(body, "url", 2048), "'url'");
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest(e.getMessage(), "url").toException();
        }
        destinations.refusal(url).ifPresent(reason -> {
            throw ApiError.invalidRequest("'url' is refused: " + reason, "url").toException();
        });
        List<AlertEvent> events = events(body);
        String formatTag = AdminJson.optionalString(body, "format", 16);
        WebhookFormat format = formatTag == null ? WebhookFormat.JSON : WebhookFormat.of(formatTag).orElseThrow(() ->
                ApiError.invalidRequest("'format' must be json or slack", "format").toException());
        if (!webhooks.available()) {
            throw ApiError.invalidRequest("Set gateway.upstream.encryption-key (GATEWAY_UPSTREAM_ENCRYPTION_KEY) on "
                    + "every replica before creating webhooks: their signing secrets are stored sealed with it", "url")
                    .toException();
        }
        var created = webhooks.create(url, events, format, clock.instant());
        audit.record("alert.webhook.create", "webhook", created.webhook().id().toString(), null,
                WebhookView.of(created.webhook(), false));
        var w = created.webhook();
        return new CreatedWebhook(w.id(), w.url().toString(), w.events().stream().map(AlertEvent::tag).toList(),
                w.format().tag(), w.createdAt(), created.secret());
    }

    @DeleteMapping("/webhooks/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void delete(@PathVariable String id) {
        UUID uuid = AdminJson.pathId(id);
        Webhook current = webhooks.find(uuid).orElseThrow(() -> notFound(id));
        if (!webhooks.delete(uuid)) {
            throw notFound(id);
        }
        audit.record("alert.webhook.delete", "webhook", id, WebhookView.of(current, false), null);
    }

    @GetMapping("/deliveries")
    DeliveryList deliveries(@RequestParam(defaultValue = "50") int limit,
                            @RequestParam(defaultValue = "false") boolean failures) {
        if (limit < 1 || limit > AlertDeliveries.MAX) {
            throw ApiError.invalidRequest("'limit' must be between 1 and " + AlertDeliveries.MAX, "limit").toException();
        }
        return new DeliveryList(deliveries.recent(limit, failures));
    }

    /** {@code events}: a non-empty list of known event names, at most {@value #EVENTS_MAX}, kept in the order given. */
    private static List<AlertEvent> events(JsonNode body) {
        JsonNode node = body.get("events");
        if (node == null || node.isNull() || !node.isArray() || node.isEmpty() || node.size() > EVENTS_MAX) {
            throw ApiError.invalidRequest("'events' must be a non-empty array of at most " + EVENTS_MAX
                    + " of budget.threshold, budget.exhausted and key.expiring", "events").toException();
        }
        var events = new ArrayList<AlertEvent>();
        for (JsonNode item : node) {
            AlertEvent event = item.isString() ? AlertEvent.of(item.stringValue()).orElse(null) : null;
            if (event == null) {
                throw ApiError.invalidRequest("'events' holds an unknown event; known: budget.threshold, "
                        + "budget.exhausted, key.expiring", "events").toException();
            }
            if (!events.contains(event)) {
                events.add(event);
            }
        }
        return events;
    }

    /**
     * {@code alertAt} of a team or key: whole numbers from 1 to 100, at most {@value #ALERT_AT_MAX},
     * returned sorted and without repeats; null or absent is none.
     */
    static List<Integer> alertAt(JsonNode body) {
        JsonNode node = body.get("alertAt");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.size() > ALERT_AT_MAX) {
            throw ApiError.invalidRequest("'alertAt' must be an array of at most " + ALERT_AT_MAX
                    + " percentages", "alertAt").toException();
        }
        var percents = new TreeSet<Integer>();
        for (JsonNode item : node) {
            if (!item.isIntegralNumber() || !item.canConvertToInt() || item.intValue() < 1 || item.intValue() > 100) {
                throw ApiError.invalidRequest("'alertAt' must hold whole numbers from 1 to 100", "alertAt")
                        .toException();
            }
            percents.add(item.intValue());
        }
        return List.copyOf(percents);
    }

    private static String origin(URI url) {
        return url.getScheme() + "://" + url.getRawAuthority() + "/…";
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No such webhook: " + id).toException();
    }
}
