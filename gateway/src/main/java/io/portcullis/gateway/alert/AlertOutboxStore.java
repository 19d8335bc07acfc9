package io.portcullis.gateway.alert;

import java.net.URI;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The decision that an event happens and the outbox of its deliveries, in PostgreSQL. An event
 * happens once across every replica because its decision row's primary key says so: the replica
 * whose insert wins writes one outbox row per subscribed webhook in the same transaction, so an
 * event is never decided without its deliveries, nor delivered without being decided.
 *
 * <p>Deliveries are claimed by pushing {@code next_attempt_at} past the time an attempt can take
 * ({@code FOR UPDATE SKIP LOCKED} picks the rows, so two replicas never claim the same one); a
 * replica that dies mid-attempt leaves its claim to expire and another sends again. Hence
 * at-least-once, with the event id for the receiver to drop repeats.
 */
@Repository
class AlertOutboxStore {

    /** Recent deliveries shown by the admin API at most. */
    static final int RECENT_MAX = 200;
    /** Expiring keys decided per query. */
    static final int EXPIRING_PAGE = 1000;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    AlertOutboxStore(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    /** A delivery claimed for one attempt. */
    record Claimed(long id, UUID eventId, String event, byte[] body, int attempts, UUID webhookId, URI url,
                   byte[] sealedSecret) {
    }

    /** A delivery as the admin API shows it; {@code status}: pending, delivered or failed (given up). */
    record Delivery(long id, UUID eventId, String event, UUID webhookId, String url, String status, int attempts,
                    Integer lastStatus, String lastError, Instant createdAt, Instant updatedAt, Instant nextAttemptAt,
                    Instant deliveredAt) {
    }

    /**
     * Makes the event happen if no replica did yet: its decision row, and one outbox row per
     * webhook that asked for the event, in one transaction. Whether this call decided it.
     */
    boolean decide(Occurrence o, Instant now) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            UUID eventId = UUID.randomUUID();
            int won = jdbc.update("insert into alert_decision (event, scope, metric, window_start, percent, event_id,"
                    + " decided_at) values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing", o.event().tag(), o.scopeKey(),
                    o.metric(), o.windowStart(), o.percent(), eventId, Timestamp.from(now));
            if (won == 0) {
                return false;
            }
            var webhooks = jdbc.query("select id, format from alert_webhook where ? = any(events)",
                    (rs, i) -> new Object[] {rs.getObject(1, UUID.class),
                            WebhookFormat.of(rs.getString(2)).orElse(WebhookFormat.JSON)}, o.event().tag());
            for (Object[] w : webhooks) {
                jdbc.update("insert into alert_outbox (event_id, event, webhook_id, body) values (?, ?, ?, ?)",
                        eventId, o.event().tag(), w[0], AlertBody.render(o, eventId, now, (WebhookFormat) w[1]));
            }
            return true;
        }));
    }

    /** Claims up to {@code limit} due deliveries for {@code hold}, counting the attempt. */
    List<Claimed> claim(int limit, Duration hold) {
        return jdbc.query("""
                update alert_outbox o set next_attempt_at = now() + make_interval(secs => ?), attempts = o.attempts + 1,
                    updated_at = now()
                from alert_webhook w
                where o.id in (select id from alert_outbox where delivered_at is null and gave_up_at is null
                               and next_attempt_at <= now() order by next_attempt_at limit ? for update skip locked)
                  and w.id = o.webhook_id
                returning o.id, o.event_id, o.event, o.body, o.attempts, w.id, w.url, w.secret_sealed
                """, (rs, i) -> new Claimed(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                rs.getBytes(4), rs.getInt(5), rs.getObject(6, UUID.class), URI.create(rs.getString(7)), rs.getBytes(8)),
                hold.toMillis() / 1000.0, limit);
    }

    void delivered(long id, int status) {
        jdbc.update("update alert_outbox set delivered_at = now(), last_status = ?, last_error = null, updated_at = now()"
                + " where id = ?", status, id);
    }

    /** Records a failed attempt: retried after {@code retryIn}, or given up when that is null. */
    void failed(long id, Integer status, String error, Duration retryIn) {
        String bounded = error == null ? null : error.length() > 300 ? error.substring(0, 300) : error;
        if (retryIn == null) {
            jdbc.update("update alert_outbox set gave_up_at = now(), last_status = ?, last_error = ?, updated_at = now()"
                    + " where id = ?", status, bounded, id);
        } else {
            jdbc.update("update alert_outbox set next_attempt_at = now() + make_interval(secs => ?), last_status = ?,"
                    + " last_error = ?, updated_at = now() where id = ?", retryIn.toMillis() / 1000.0, status, bounded, id);
        }
    }

    List<Delivery> recent(int limit, boolean failuresOnly) {
        return jdbc.query("select o.id, o.event_id, o.event, o.webhook_id, w.url, o.attempts, o.last_status,"
                + " o.last_error, o.created_at, o.updated_at, o.next_attempt_at, o.delivered_at, o.gave_up_at"
                + " from alert_outbox o join alert_webhook w on w.id = o.webhook_id"
                + (failuresOnly ? " where o.delivered_at is null and o.last_error is not null" : "")
                + " order by o.updated_at desc, o.id desc limit ?", (rs, i) -> {
                    Timestamp delivered = rs.getTimestamp(12);
                    String status = delivered != null ? "delivered" : rs.getTimestamp(13) != null ? "failed" : "pending";
                    int lastStatus = rs.getInt(7);
                    return new Delivery(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getObject(4, UUID.class), rs.getString(5), status, rs.getInt(6),
                            rs.wasNull() ? null : lastStatus, rs.getString(8), rs.getTimestamp(9).toInstant(),
                            rs.getTimestamp(10).toInstant(), delivered == null && rs.getTimestamp(13) == null
                                    ? rs.getTimestamp(11).toInstant() : null,
                            delivered == null ? null : delivered.toInstant());
                }, Math.min(limit, RECENT_MAX));
    }

    /** Deliveries not yet delivered nor given up (a gauge). */
    long pending() {
        Long n = jdbc.queryForObject("select count(*) from alert_outbox where delivered_at is null and gave_up_at is null",
                Long.class);
        return n == null ? 0 : n;
    }

    /**
     * Keys not revoked that expire in {@code (from, to]} and have no {@code key.expiring} decision
     * for {@code days} yet: id, name, expiresAt. Decided keys drop out of the answer, so a page of
     * {@value #EXPIRING_PAGE} never hides the keys behind it.
     */
    List<ExpiringKey> expiringKeys(Instant from, Instant to, int days) {
        return jdbc.query("select k.id, k.name, k.expires_at from api_key k where k.revoked_at is null"
                + " and k.expires_at > ? and k.expires_at <= ? and not exists (select 1 from alert_decision d"
                + " where d.event = ? and d.scope = 'key:' || k.id and d.metric = 'expiresAt'"
                + " and d.window_start = floor(extract(epoch from k.expires_at))::bigint and d.percent = ?)"
                + " order by k.expires_at limit " + EXPIRING_PAGE, (rs, i) -> new ExpiringKey(
                        rs.getObject(1, UUID.class), rs.getString(2), rs.getTimestamp(3).toInstant()),
                Timestamp.from(from), Timestamp.from(to), AlertEvent.KEY_EXPIRING.tag(), days);
    }

    record ExpiringKey(UUID id, String name, Instant expiresAt) {
    }

    /** Forgets what no one needs: decisions of windows long over, deliveries done for a month. */
    void purge() {
        jdbc.update("delete from alert_decision where decided_at < now() - interval '70 days'");
        jdbc.update("delete from alert_outbox where (delivered_at is not null or gave_up_at is not null)"
                + " and updated_at < now() - interval '30 days'");
    }
}
