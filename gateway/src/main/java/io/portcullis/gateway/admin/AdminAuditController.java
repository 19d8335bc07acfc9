package io.portcullis.gateway.admin;

import io.portcullis.gateway.audit.AuditHead;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.web.ApiError;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/audit?from=&to=&limit=&cursor=}: admin changes, newest first (default: the
 * last 30 days); {@code GET /admin/api/audit/verify?anchorSeq=&anchorHash=}: recomputes the chain,
 * and checks that a head noted earlier is still in it; {@code GET /admin/api/audit/head}: the newest
 * entry's sequence number and hash, cheap enough for an outside system to poll and anchor.
 */
@RestController
class AdminAuditController {

    static final int PAGE_MAX = 1000;

    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");

    private final AuditLog audit;
    private final AuditHead head;
    private final InstantSource clock;

    AdminAuditController(AuditLog audit, AuditHead head, InstantSource clock) {
        this.audit = audit;
        this.head = head;
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
    AuditLog.Verification verify(@RequestParam(required = false) String anchorSeq,
                                 @RequestParam(required = false) String anchorHash) {
        if ((anchorSeq == null || anchorSeq.isBlank()) && (anchorHash == null || anchorHash.isBlank())) {
            return audit.verify();
        }
        long seq;
        try {
            seq = Long.parseLong(anchorSeq == null ? "" : anchorSeq.strip());
        } catch (NumberFormatException e) {
            throw ApiError.invalidRequest("'anchorSeq' must be the sequence number of an anchored head", "anchorSeq")
                    .toException();
        }
        if (seq < 1 || anchorHash == null || !HASH.matcher(anchorHash).matches()) {
            throw ApiError.invalidRequest("'anchorSeq' (at least 1) and 'anchorHash' (64 hex digits) go together",
                    seq < 1 ? "anchorSeq" : "anchorHash").toException();
        }
        return audit.verify(new AuditLog.Anchor(seq, anchorHash));
    }

    @GetMapping("/admin/api/audit/head")
    AuditHead.Head head() {
        return head.refresh();
    }

}
