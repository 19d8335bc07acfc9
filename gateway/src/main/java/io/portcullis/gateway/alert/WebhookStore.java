package io.portcullis.gateway.alert;

import io.portcullis.gateway.backend.UpstreamKeySealer;
import java.net.URI;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Webhooks in PostgreSQL. The signing secret is generated here, returned once by {@link #create},
 * and stored sealed by {@link UpstreamKeySealer} (the same AES-GCM key as managed backends' API
 * keys), bound to the webhook's id and URL: a database copy alone cannot sign events, and a row
 * whose URL was changed by hand no longer opens (its deliveries fail instead of signing for
 * another destination).
 */
@Repository
public class WebhookStore {

    /** Prefix of generated secrets, so that one found in a log or a repository is recognised. */
    static final String SECRET_PREFIX = "whsec_";

    private final JdbcTemplate jdbc;
    private final UpstreamKeySealer sealer;
    private final SecureRandom random = new SecureRandom();

    WebhookStore(JdbcTemplate jdbc, UpstreamKeySealer sealer) {
        this.jdbc = jdbc;
        this.sealer = sealer;
    }

    /** A webhook just created, with its secret: shown this once. */
    public record Created(Webhook webhook, String secret) {
    }

    /** Whether secrets can be sealed: without {@code gateway.upstream.encryption-key} no webhook can be stored. */
    public boolean available() {
        return sealer.available();
    }

    public Created create(URI url, List<AlertEvent> events, WebhookFormat format, Instant now) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        var webhook = new Webhook(UUID.randomUUID(), url, events, format, now);
        jdbc.update(con -> {
            var ps = con.prepareStatement("insert into alert_webhook (id, url, events, format, secret_sealed, created_at)"
                    + " values (?, ?, ?, ?, ?, ?)");
            ps.setObject(1, webhook.id());
            ps.setString(2, url.toString());
            ps.setArray(3, con.createArrayOf("text", events.stream().map(AlertEvent::tag).toArray()));
            ps.setString(4, format.tag());
            ps.setBytes(5, seal(webhook.id(), url, secret));
            ps.setTimestamp(6, Timestamp.from(now));
            return ps;
        });
        return new Created(webhook, secret);
    }

    public List<Webhook> list() {
        return jdbc.query("select id, url, events, format, created_at from alert_webhook order by created_at, id",
                WebhookStore::map);
    }

    public Optional<Webhook> find(UUID id) {
        return jdbc.query("select id, url, events, format, created_at from alert_webhook where id = ?",
                WebhookStore::map, id).stream().findFirst();
    }

    /** Deletes the webhook and its pending deliveries; false when there was none. */
    public boolean delete(UUID id) {
        return jdbc.update("delete from alert_webhook where id = ?", id) > 0;
    }

    byte[] seal(UUID id, URI url, String secret) {
        return sealer.seal(sealedFor(id), url, secret);
    }

    /** @throws IllegalStateException when the row does not open (wrong key, tampered row, URL changed by hand) */
    String open(UUID id, URI url, byte[] sealed) {
        return sealer.open(sealedFor(id), url, sealed);
    }

    /** Backend names never hold ':', so a webhook's sealed secret can never be opened as a backend's key. */
    private static String sealedFor(UUID id) {
        return "webhook:" + id;
    }

    private static Webhook map(ResultSet rs, int row) throws SQLException {
        Array array = rs.getArray("events");
        var events = new ArrayList<AlertEvent>();
        for (String tag : (String[]) array.getArray()) {
            AlertEvent.of(tag).ifPresent(events::add); // an event a newer version added: not ours to show
        }
        return new Webhook(rs.getObject("id", UUID.class), URI.create(rs.getString("url")), events,
                WebhookFormat.of(rs.getString("format")).orElse(WebhookFormat.JSON),
                rs.getTimestamp("created_at").toInstant());
    }
}
