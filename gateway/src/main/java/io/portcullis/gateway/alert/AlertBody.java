package io.portcullis.gateway.alert;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bytes a webhook receives for an event (api-contract section 4): rendered once, when the
 * event is decided, stored in the outbox and signed and sent as they are, so that every retry
 * carries the same body, id and signature.
 */
final class AlertBody {

    private static final JsonMapper JSON = JsonMapper.shared();

    private AlertBody() {
    }

    static byte[] render(Occurrence o, UUID eventId, Instant occurredAt, WebhookFormat format) {
        Map<String, Object> body = switch (format) {
            case JSON -> json(o, eventId, occurredAt);
            case SLACK -> Map.of("text", slackText(o));
        };
        return JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Object> json(Occurrence o, UUID eventId, Instant occurredAt) {
        var body = new LinkedHashMap<String, Object>();
        body.put("id", eventId.toString());
        body.put("event", o.event().tag());
        body.put("occurredAt", occurredAt.toString());
        body.put("scope", o.scope());
        body.put("scopeId", o.scopeId().toString());
        body.put("name", o.name());
        body.put("metric", o.metric());
        boolean expiry = o.event() == AlertEvent.KEY_EXPIRING;
        body.put("percent", expiry ? null : o.percent());
        body.put("used", o.used());
        body.put("limit", o.limit());
        body.put("window", o.window());
        if (expiry) {
            body.put("expiresAt", o.expiresAt().toString());
            body.put("daysLeft", o.percent());
        }
        return body;
    }

    /** One line for people; names come from admins, so Slack's control characters are escaped. */
    static String slackText(Occurrence o) {
        String who = o.scope() + " '" + escape(o.name()) + "'";
        return switch (o.event()) {
            case BUDGET_THRESHOLD -> "Portcullis: " + who + " has used " + o.percent() + "% of its " + o.metric()
                    + " limit (" + o.used().toPlainString() + " of " + o.limit().toPlainString() + ") for "
                    + o.window() + ".";
            case BUDGET_EXHAUSTED -> "Portcullis: " + who + " reached its " + o.metric() + " limit of "
                    + o.limit().toPlainString() + " for " + o.window() + "; requests are refused until it resets.";
            case KEY_EXPIRING -> "Portcullis: " + who + " expires in " + o.percent()
                    + (o.percent() == 1 ? " day" : " days") + " (" + o.expiresAt() + ").";
        };
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
