package io.portcullis.gateway.audit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The newest audit entry (its sequence number and hash), published so that a system outside the
 * database can anchor it: as the gauge {@value #GAUGE} (the number only: a hash is no metric tag),
 * and in the log at INFO each time it moves (on this replica's appends, and every
 * {@value #REFRESH_SECONDS} s for the others', on the housekeeper). An anchored head that later
 * is missing or different is what reveals dropped newest entries, which no chain can show by itself.
 */
@Component
public class AuditHead implements PeriodicWork {

    private static final Logger log = LoggerFactory.getLogger(AuditHead.class);
    static final String GAUGE = "portcullis.audit.head.seq";
    static final long REFRESH_SECONDS = 60;

    /** The newest entry; {@code seq} 0 and the genesis hash while the log is empty. */
    public record Head(long seq, String hash) {
    }

    private final JdbcTemplate jdbc;
    private volatile Head current;
    private Head logged;

    AuditHead(JdbcTemplate jdbc, MeterRegistry registry) {
        this.jdbc = jdbc;
        Gauge.builder(GAUGE, this, h -> h.current == null ? 0 : h.current.seq())
                .description("Sequence number of the newest audit entry (its hash is logged; GET /admin/api/audit/head)")
                .register(registry);
    }

    /** Reads the head from the database, publishes and returns it. */
    public Head refresh() {
        Head head = jdbc.query("select seq, hash from audit_event order by seq desc limit 1",
                (rs, i) -> new Head(rs.getLong(1), HexFormat.of().formatHex(rs.getBytes(2)))).stream().findFirst()
                .orElse(new Head(0, HexFormat.of().formatHex(AuditChain.GENESIS)));
        publish(head);
        return head;
    }

    /** The last head seen by this replica, without asking the database. */
    Optional<Head> current() {
        return Optional.ofNullable(current);
    }

    /** Called once an append of this replica has committed. */
    void advanced(long seq, byte[] hash) {
        publish(new Head(seq, HexFormat.of().formatHex(hash)));
    }

    private synchronized void publish(Head head) {
        if (current != null && current.seq() > head.seq()) {
            return; // an older answer overtaken by a newer append
        }
        current = head;
        if (!head.equals(logged)) {
            log.info("Audit head: seq {} hash {}", head.seq(), head.hash());
            logged = head;
        }
    }

    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        Duration every = Duration.ofSeconds(REFRESH_SECONDS);
        return List.of(new HousekeepingTask("audit.head", every, every, this::refresh));
    }
}
