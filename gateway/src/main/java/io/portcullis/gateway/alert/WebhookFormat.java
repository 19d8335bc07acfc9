package io.portcullis.gateway.alert;

import java.util.Optional;

/** What a webhook receives: the event as JSON, or a Slack incoming-webhook message {@code {"text": ...}}. */
public enum WebhookFormat {
    JSON("json"),
    SLACK("slack");

    private final String tag;

    WebhookFormat(String tag) {
        this.tag = tag;
    }

    /** The name in the admin API and the database (never change one). */
    public String tag() {
        return tag;
    }

    public static Optional<WebhookFormat> of(String tag) {
        for (WebhookFormat f : values()) {
            if (f.tag.equals(tag)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
