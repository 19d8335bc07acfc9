package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The ledger's name dictionary: smallint ids that must neither leak on restarts nor block the ledger when full. */
class UsageNamesTest extends GatewayIntegrationTest {

    private static final String LAST_VALUE = "select last_value from pg_sequences"
            + " where schemaname || '.' || sequencename = pg_get_serial_sequence('usage_name', 'id')";

    @Autowired
    UsageLedger ledger;
    @Autowired
    MeterRegistry registry;

    @Test
    void aRawLedgerRowIsCheckedAgainstNoOtherTableAsItIsWritten() {
        // a foreign key costs a lookup and a row lock per row written; the ids come from the dictionary
        Integer keys = jdbc.queryForObject("select count(*) from pg_constraint c join pg_class t on t.oid = c.conrelid"
                + " where c.contype = 'f' and (t.relname = 'usage_event' or t.relname like 'usage_event_%')", Integer.class);

        assertThat(keys).isZero();
    }

    @Test
    void aHundredRestartsResolvingTheSameNamesConsumeNoIds() {
        List<String> names = List.of("chat", "embeddings", "success", "fake-chat", "restart-" + UUID.randomUUID());
        names.forEach(new UsageNames(jdbc, new SimpleMeterRegistry())::id); // the first start creates what is new
        Long lastValue = jdbc.queryForObject(LAST_VALUE, Long.class);
        Integer rows = jdbc.queryForObject("select count(*) from usage_name", Integer.class);

        for (int start = 0; start < 100; start++) {
            var fresh = new UsageNames(jdbc, new SimpleMeterRegistry()); // an empty cache, as after a restart
            names.forEach(fresh::id);
        }

        assertThat(jdbc.queryForObject(LAST_VALUE, Long.class)).isEqualTo(lastValue);
        assertThat(jdbc.queryForObject("select count(*) from usage_name", Integer.class)).isEqualTo(rows);
    }

    @Test
    void aFullDictionaryRecordsNewNamesAsOtherAndKeepsWritingBatches() {
        Long lastValue = jdbc.queryForObject(LAST_VALUE, Long.class);
        double overflowedBefore = overflowed();
        UUID key = UUID.randomUUID();
        var names = new UsageNames(jdbc, new SimpleMeterRegistry());
        List.of("fake-chat", "fake", "chat", "success").forEach(names::id); // known before the dictionary fills
        try {
            jdbc.queryForObject("select setval(pg_get_serial_sequence('usage_name', 'id'), 32767)", Long.class);

            ledger.record(record(key, "backend-" + UUID.randomUUID()));
            ledger.record(record(key, "fake"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
            ledger.record(record(key, "another-backend-" + UUID.randomUUID()));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
        } finally {
            jdbc.queryForObject("select setval(pg_get_serial_sequence('usage_name', 'id'), ?)", Long.class, lastValue);
        }

        assertThat(jdbc.queryForList("select backend from usage_event_named where key_id = ? order by backend",
                String.class, key)).containsExactly(UsageNames.OVERFLOW, UsageNames.OVERFLOW, "fake");
        assertThat(jdbc.queryForObject("select sum(requests) from usage_daily where key_id = ?", Long.class, key))
                .isEqualTo(3);
        assertThat(overflowed() - overflowedBefore).isEqualTo(2);
    }

    @Test
    void upgradingReclaimsTheIdsEarlierReleasesBurnedOnEveryStart() {
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            var dataSource = new DriverManagerDataSource(postgres.jdbcUrl(), "postgres", "");
            var flyway = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration");
            flyway.target("41").load().migrate();
            var db = new JdbcTemplate(dataSource);
            for (int start = 0; start < 300; start++) { // what each replica start did before V42, per name
                for (String name : List.of("chat", "success", "fake-chat")) {
                    db.update("insert into usage_name (name) values (?) on conflict (name) do nothing", name);
                }
            }
            assertThat(db.queryForObject(LAST_VALUE, Long.class)).isEqualTo(900);

            flyway.target("latest").load().migrate();

            assertThat(db.queryForObject(LAST_VALUE, Long.class)).isEqualTo(3);
            assertThat(db.queryForObject("select id from usage_name where name = ?", Short.class, UsageNames.OVERFLOW))
                    .isZero();
            assertThat(new UsageNames(db, new SimpleMeterRegistry()).id("embeddings")).isEqualTo((short) 4);
        }
    }

    private double overflowed() {
        return registry.get("portcullis.usage.names.overflowed").counter().count();
    }

    private static UsageRecord record(UUID key, String backend) {
        return new UsageRecord(UUID.randomUUID(), null, key, null, "fake-chat", backend, "chat", 200, "success", false,
                10, 5, 0, 100, 7, null, Instant.now(), BilledBy.REPORTED);
    }
}
