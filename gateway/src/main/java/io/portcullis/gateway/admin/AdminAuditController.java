package io.portcullis.gateway.admin;

import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.web.ApiError;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/audit?from=&to=&limit=&cursor=}: admin changes, newest first (default: the
 * last 30 days); {@code GET /admin/api/audit/verify}: recomputes the hash chain.
 */
@RestController
class AdminAuditController {

    static final int PAGE_MAX = 1000;

    private final AuditLog audit;
    private final InstantSource clock;

    AdminAuditController(AuditLog audit, InstantSource clock) {
        this.audit = audit;
        this.clock = clock;
    }

    record Page(List<AuditLog.Entry> data, String nextCursor) {
    }

    @GetMapping("/admin/api/audit")
    Page list(@RequestParam(required = false) String from, @RequestParam(required = false) String to,
              @RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String cursor) {
        if (limit < 1 || limit > PAGE_MAX) {
            throw ApiError.invalidRequest("'limit' must be between 1 and " + PAGE_MAX, "limit").toException();
        }
        Instant end = to == null || to.isBlank() ? clock.instant().plusSeconds(1) : AdminJson.instantParam(to, "to", true);
        Instant start = from == null || from.isBlank() ? end.minusSeconds(30L * 86400) : AdminJson.instantParam(from, "from", false);
        Long before = null;
        if (cursor != null && !cursor.isBlank()) {
            try {
                before = Long.parseLong(cursor);
            } catch (NumberFormatException e) {
                throw ApiError.invalidRequest("Malformed cursor", "cursor").toException();
            }
        }
        var entries = audit.list(start, end, before, limit + 1);
        String next = entries.size() > limit ? Long.toString(entries.get(limit - 1).seq()) : null;
        return new Page(entries.stream().limit(limit).toList(), next);
    }

    @GetMapping("/admin/api/audit/verify")
    AuditLog.Verification verify() {
        return audit.verify();
    }

}
