package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.usage.RecentRequestQueries;
import io.portcullis.gateway.usage.RequestCursor;
import io.portcullis.gateway.web.ApiError;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/requests}: the most recent requests from the raw ledger, newest first,
 * filtered by key, team, model and outcome, paged by an opaque keyset {@code cursor}. The window
 * ({@code from}, {@code to}; default the last 24 hours, at most 31 days) bounds every query to a
 * few daily partitions; the answer echoes it so the next page is asked over the same window.
 */
@RestController
class AdminRequestsController {

    static final int PAGE_MAX = 200;
    static final Duration DEFAULT_WINDOW = Duration.ofHours(24);
    static final Duration MAX_WINDOW = Duration.ofDays(31);

    private final RecentRequestQueries requests;
    private final InstantSource clock;

    AdminRequestsController(RecentRequestQueries requests, InstantSource clock) {
        this.requests = requests;
        this.clock = clock;
    }

    record RequestPage(Instant from, Instant to, List<RecentRequestQueries.Request> data, String nextCursor) {
    }

    @GetMapping("/admin/api/requests")
    RequestPage list(@RequestParam(required = false) String from, @RequestParam(required = false) String to,
                     @RequestParam(required = false) String keyId, @RequestParam(required = false) String teamId,
                     @RequestParam(required = false) String model, @RequestParam(required = false) String outcome,
                     @RequestParam(required = false) String cursor, @RequestParam(defaultValue = "50") String limit) {
        int size = limit(limit);
        // A moment past now, so a request recorded in this very millisecond is not left out.
        Instant end = blank(to) ? clock.instant().plusMillis(1) : AdminJson.instantParam(to, "to", true);
        Instant start = blank(from) ? end.minus(DEFAULT_WINDOW) : AdminJson.instantParam(from, "from", false);
        if (!start.isBefore(end)) {
            throw ApiError.invalidRequest("'from' must be before 'to'", "from").toException();
        }
        if (Duration.between(start, end).compareTo(MAX_WINDOW) > 0) {
            throw ApiError.invalidRequest("'from' and 'to' may be at most 31 days apart", "from").toException();
        }
        String outcomeName = AdminJson.textParam(outcome, "outcome", 64);
        if (outcomeName != null && !RecentRequestQueries.OUTCOMES.contains(outcomeName)) {
            throw ApiError.invalidRequest("'outcome' must be an outcome the ledger records (success, backend_error,"
                    + " client_closed, upstream_broken, upstream_timeout, or a contract error code)", "outcome")
                    .toException();
        }
        RequestCursor before = blank(cursor) ? null : RequestCursor.parse(cursor).orElseThrow(() ->
                ApiError.invalidRequest("Malformed cursor: pass the 'nextCursor' of the previous page", "cursor")
                        .toException());
        var page = requests.page(new RecentRequestQueries.Query(start, end, uuid(keyId, "keyId"), uuid(teamId, "teamId"),
                AdminJson.textParam(model, "model", PolicyJson.MAX_ITEM), outcomeName, before, size));
        return new RequestPage(start, end, page.data(), page.next() == null ? null : page.next().token());
    }

    /** Read as text so "abc" and "1e3" get the contract's 400 naming the parameter, like every other bad value. */
    private static int limit(String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= PAGE_MAX) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.invalidRequest("'limit' must be a whole number from 1 to " + PAGE_MAX, "limit").toException();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static UUID uuid(String value, String param) {
        if (blank(value)) {
            return null;
        }
        try {
            return UUID.fromString(value.strip());
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("'" + param + "' must be a UUID", param).toException();
        }
    }
}
