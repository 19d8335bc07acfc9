package io.portcullis.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.StandaloneGateway;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A database whose audit log was written before the chain was keyed (plain SHA-256, schema V45),
 * upgraded by a gateway with {@code gateway.audit.key}.
 */
class AuditUpgradeTest {

    @Test
    void entriesWrittenBeforeTheKeyStillVerifyAndAreCoveredByTheFirstKeyedLink() {
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            Flyway.configure().dataSource(postgres.jdbcUrl(), "postgres", "").locations("classpath:db/migration")
                    .target("45").load().migrate();
            var jdbc = new JdbcTemplate(new DriverManagerDataSource(postgres.jdbcUrl(), "postgres", ""));
            for (int i = 1; i <= 3; i++) {
                appendAsBeforeTheUpgrade(jdbc, "key.create", "{\"name\":\"old " + i + "\"}", false);
            }

            // no bootstrap token configured: the first start generates one, which is audited
            try (var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(),
                    Set.of("gateway.admin.bootstrap-token"))) {
                var audit = gateway.context().getBean(AuditLog.class);

                var upgraded = audit.verify();
                assertThat(upgraded.valid()).as(upgraded.problem()).isTrue();
                assertThat(upgraded.keyedFromSeq()).isEqualTo(4);
                assertThat(upgraded.checked()).isEqualTo(5);
                assertThat(jdbc.queryForList("select action from audit_event where seq >= 4 and actor = 'system'"
                        + " order by seq", String.class)).containsExactly("audit.keyed", "token.generate");
                assertThat(jdbc.queryForList("select distinct chain_version from audit_event where seq >= 4",
                        Short.class)).containsExactly((short) 2);

                // an old replica still running during the roll appends unkeyed: covered once a keyed entry follows
                long old = appendAsBeforeTheUpgrade(jdbc, "team.create", "{\"name\":\"from an old pod\"}", true);
                var uncovered = audit.verify();
                assertThat(uncovered.valid()).isFalse();
                assertThat(uncovered.firstBrokenSeq()).isEqualTo(old);
                audit.recordAs("tester", "key.update", "key", null, null, Map.of("name", "new pod"));
                var covered = audit.verify();
                assertThat(covered.valid()).as(covered.problem()).isTrue();

                // rewriting an entry from before the upgrade, and relinking the unkeyed ones after it, is caught
                // by the first keyed link, whose HMAC covers their hashes
                jdbc.update("update audit_event set actor = 'someone else' where seq = 2");
                relinkUnkeyed(jdbc, 2, 3);
                var tampered = audit.verify();
                assertThat(tampered.valid()).isFalse();
                assertThat(tampered.firstBrokenSeq()).isEqualTo(4);
            }
        }
    }

    /** Writes an entry exactly as the gateway did before V47: SHA-256 links, no chain_version. */
    private static long appendAsBeforeTheUpgrade(JdbcTemplate jdbc, String action, String after, boolean afterV47) {
        List<byte[]> last = jdbc.query("select hash from audit_event order by seq desc limit 1", (rs, i) -> rs.getBytes(1));
        byte[] prev = last.isEmpty() ? AuditChain.GENESIS : last.getFirst();
        long seq = jdbc.queryForObject("select nextval('audit_event_seq')", Long.class);
        UUID id = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        byte[] link = AuditChain.unkeyed(prev, seq, id, at, "old-admin", action, "key", null, null, after);
        jdbc.update("insert into audit_event (seq, id, at, actor, action, target_type, target_id, before_json,"
                + " after_json, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", seq, id, Timestamp.from(at),
                "old-admin", action, "key", null, null, after, prev, link);
        assertThat(afterV47 || jdbc.queryForList("select 1 from information_schema.tables where table_name ="
                + " 'audit_chain'").isEmpty()).isTrue();
        return seq;
    }

    private static void relinkUnkeyed(JdbcTemplate jdbc, long from, long to) {
        byte[] prev = jdbc.queryForObject("select prev_hash from audit_event where seq = ?", byte[].class, from);
        for (var row : jdbc.queryForList("select * from audit_event where seq between ? and ? order by seq", from, to)) {
            byte[] link = AuditChain.unkeyed(prev, (Long) row.get("seq"), (UUID) row.get("id"),
                    ((Timestamp) row.get("at")).toInstant(), (String) row.get("actor"), (String) row.get("action"),
                    (String) row.get("target_type"), (String) row.get("target_id"), (String) row.get("before_json"),
                    (String) row.get("after_json"));
            jdbc.update("update audit_event set prev_hash = ?, hash = ? where seq = ?", prev, link, row.get("seq"));
            prev = link;
        }
    }
}
