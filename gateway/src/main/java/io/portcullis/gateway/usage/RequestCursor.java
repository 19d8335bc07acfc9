package io.portcullis.gateway.usage;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where a page of {@link RecentRequestQueries} ended: the last row's {@code (created_at, id)}, the
 * ledger's keyset. Sent to clients as an opaque base64url token; {@link #parse} accepts only what
 * {@link #token} produces (a version tag, microseconds since the epoch within the years the admin
 * API accepts, a UUID), so a hand-edited cursor is refused rather than run. A cursor cannot widen
 * what the caller sees: it only moves the position inside the window they asked for.
 */
public record RequestCursor(Instant createdAt, UUID id) {

    private static final Pattern FORM = Pattern.compile(
            "v1\\.(\\d{1,17})\\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    /** 9999-12-31, the latest instant the admin API accepts, in microseconds. */
    private static final long MAX_MICROS = 253_402_214_400_000_000L;

    public RequestCursor {
        createdAt = createdAt.truncatedTo(ChronoUnit.MICROS); // PostgreSQL's precision
    }

    /** The opaque form handed to clients. */
    public String token() {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt);
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("v1." + micros + "." + id).getBytes(StandardCharsets.US_ASCII));
    }

    /** The cursor a {@link #token} stands for; empty for anything else. */
    public static Optional<RequestCursor> parse(String token) {
        if (token == null || token.length() > 96) {
            return Optional.empty();
        }
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        var m = FORM.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        long micros = Long.parseLong(m.group(1));
        if (micros > MAX_MICROS) {
            return Optional.empty();
        }
        return Optional.of(new RequestCursor(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), UUID.fromString(m.group(2))));
    }
}
