package io.portcullis.gateway.usage;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The most recent requests, straight from the raw ledger, newest first, paged by keyset on
 * {@code (created_at, id)} (never an offset, which would read and discard every earlier row).
 * Always inside a bounded window, so PostgreSQL prunes to that window's daily partitions and walks
 * {@code usage_event_recent_idx} backwards from its end (V49, docs/usage.md#recent-requests).
 */
@Component
public class RecentRequestQueries {

    /**
     * The outcomes a ledger row can carry: the proxy's own ({@code Outcome}) and the contract's
     * error codes (api-contract.md section 2). A closed set, so a typo is refused, not answered empty.
     */
    public static final Set<String> OUTCOMES = Set.of("success", "backend_error", "client_closed", "upstream_broken",
            "upstream_timeout", "invalid_request_error", "invalid_api_key", "model_not_allowed", "policy_violation",
            "model_not_found", "not_found", "forbidden", "method_not_allowed", "not_acceptable", "request_timeout",
            "request_too_large", "unsupported_media_type", "rate_limit_exceeded", "insufficient_quota",
            "upstream_error", "upstream_unavailable", "service_unavailable", "overloaded", "internal_error");

    /** Which rows: {@code [from, to)}, older than {@code before} when paging; null filters do not filter. */
    public record Query(Instant from, Instant to, UUID keyId, UUID teamId, String model, String outcome,
                        RequestCursor before, int limit) {
    }

    /**
     * One request.
     *
     * @param costUsd exact cost in US dollars, six decimals, as text so no client rounds it
     * @param billedBy how tokens and cost were arrived at ({@link BilledBy}); null for rows before V43
     * @param audioSeconds seconds of audio heard; zero for token-only requests (and rows before V50)
     * @param characters characters turned into speech
     * @param images     images made
     */
    public record Request(Instant at, String requestId, UUID keyId, String keyName, UUID teamId, String model,
                          String backend, String endpoint, int status, String outcome, String billedBy,
                          int promptTokens, int completionTokens, String costUsd, int latencyMs, Integer ttftMs,
                          int audioSeconds, int characters, int images) {
    }

    /** A page of requests and the cursor of the next (older) one, null on the last. */
    public record Page(List<Request> data, RequestCursor next) {
    }

    // The limit applies to usage_event alone (ordered by the index, stopping after limit + 1 rows);
    // names are joined to those rows only.
    private static final String SELECT = """
            select e.created_at, e.id, coalesce(e.client_request_id, 'req_' || replace(e.id::text, '-', '')) as request_id,
                   e.key_id, k.name as key_name, e.team_id, m.name as model, b.name as backend, p.name as endpoint,
                   e.status, o.name as outcome, e.billed_by, e.prompt_tokens, e.completion_tokens, e.cost_micros,
                   e.latency_ms, e.ttft_ms, e.audio_seconds, e.characters, e.images
            from (select * from usage_event e where %s order by e.created_at desc, e.id desc limit ?) e
            join usage_name m on m.id = e.model_id
            left join usage_name b on b.id = e.backend_id
            join usage_name p on p.id = e.endpoint_id
            join usage_name o on o.id = e.outcome_id
            left join api_key k on k.id = e.key_id
            order by e.created_at desc, e.id desc""";

    private final JdbcTemplate jdbc;
    private final UsageNames names;

    RecentRequestQueries(JdbcTemplate jdbc, UsageNames names) {
        this.jdbc = jdbc;
        this.names = names;
    }

    public Page page(Query q) {
        var where = new StringBuilder("e.created_at >= ? and e.created_at < ?");
        var args = new ArrayList<Object>(List.of(utc(q.from()), utc(q.to())));
        if (q.before() != null) {
            // The plain bound lets the planner prune partitions newer than the cursor; the row
            // comparison is the exact keyset (ties on created_at broken by id).
            where.append(" and e.created_at <= ? and (e.created_at, e.id) < (?, ?)");
            args.add(utc(q.before().createdAt()));
            args.add(utc(q.before().createdAt()));
            args.add(q.before().id());
        }
        if (q.keyId() != null) {
            where.append(" and e.key_id = ?");
            args.add(q.keyId());
        }
        if (q.teamId() != null) {
            where.append(" and e.team_id = ?");
            args.add(q.teamId());
        }
        for (String name : new String[] {q.model(), q.outcome()}) {
            if (name != null) {
                Short id = names.find(name);
                where.append(name == q.model() ? " and e.model_id = ?" : " and e.outcome_id = ?");
                args.add(id == null ? (short) -1 : id); // never recorded: no row has it
            }
        }
        args.add(q.limit() + 1);
        List<Keyed> rows = jdbc.query(SELECT.formatted(where), RecentRequestQueries::keyed, args.toArray());
        List<Request> page = rows.stream().limit(q.limit()).map(Keyed::request).toList();
        if (rows.size() <= q.limit()) {
            return new Page(page, null);
        }
        Keyed last = rows.get(q.limit() - 1);
        return new Page(page, new RequestCursor(last.request().at(), last.id()));
    }

    /** A row with its ledger id, which the cursor needs and the answer does not show (it shows the request id). */
    private record Keyed(UUID id, Request request) {
    }

    /** The SQL {@link #page} runs, for EXPLAIN in tests and by operators. */
    static String sql(String where) {
        return SELECT.formatted(where);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Keyed keyed(ResultSet rs, int i) throws SQLException {
        short billed = rs.getShort("billed_by");
        String billedBy = rs.wasNull() ? null : BilledBy.ofCode(billed).tag();
        return new Keyed(rs.getObject("id", UUID.class), new Request(rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getString("request_id"),
                rs.getObject("key_id", UUID.class), rs.getString("key_name"), rs.getObject("team_id", UUID.class),
                rs.getString("model"), rs.getString("backend"), rs.getString("endpoint"), rs.getInt("status"),
                rs.getString("outcome"), billedBy, rs.getInt("prompt_tokens"), rs.getInt("completion_tokens"),
                BigDecimal.valueOf(rs.getLong("cost_micros"), 6).toPlainString(), rs.getInt("latency_ms"),
                rs.getObject("ttft_ms", Integer.class), rs.getInt("audio_seconds"), rs.getInt("characters"),
                rs.getInt("images"))); // NULL reads as 0
    }
}
