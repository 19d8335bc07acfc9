package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.policy.quota.LeaseKey;
import io.portcullis.policy.quota.Metric;
import io.portcullis.policy.spi.LeaseStore;
import io.portcullis.policy.spi.LeaseStoreContract;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** The PostgreSQL lease store runs the same contract as the in-memory reference, plus slots. */
class JdbcLeaseStoreTest extends LeaseStoreContract {

    private static EmbeddedPostgresServer postgres;
    private static JdbcTemplate jdbc;
    private static TransactionTemplate tx;
    private final JdbcLeaseStore store = new JdbcLeaseStore(jdbc, tx, UUID.randomUUID());

    @BeforeAll
    static void database() {
        postgres = EmbeddedPostgresServer.ephemeral();
        var dataSource = new DriverManagerDataSource(postgres.jdbcUrl(), postgres.username(), "");
        Flyway.configure().dataSource(dataSource).load().migrate();
        jdbc = new JdbcTemplate(dataSource);
        tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Override
    protected LeaseStore store() {
        return store;
    }

    @Test
    void concurrencySlotsAreCountedOverEveryLiveReplica() {
        var key = new LeaseKey("key:" + UUID.randomUUID(), Metric.CONCURRENT_REQUESTS, 0);
        var other = new JdbcLeaseStore(jdbc, tx, UUID.randomUUID());
        assertThat(store.acquire(key, 2, 2, 3, T0).granted()).isEqualTo(2);
        assertThat(other.acquire(key, 2, 2, 3, T0).granted()).isZero();
        assertThat(other.acquire(key, 1, 1, 3, T0).granted()).isEqualTo(1);
        store.release(key, 2, 3, T0);
        assertThat(other.acquire(key, 2, 2, 3, T0).granted()).isEqualTo(2);
    }

    @Test
    void slotsOfAReplicaThatStoppedHeartbeatingNoLongerCount() {
        var key = new LeaseKey("key:" + UUID.randomUUID(), Metric.CONCURRENT_REQUESTS, 0);
        var crashed = new JdbcLeaseStore(jdbc, tx, UUID.randomUUID());
        assertThat(crashed.acquire(key, 3, 3, 3, T0).granted()).isEqualTo(3);
        assertThat(store.acquire(key, 1, 1, 3, T0).granted()).isZero();

        jdbc.update("update concurrency_lease set heartbeat_at = now() - interval '1 minute' where scope = ?", key.scope());

        assertThat(store.acquire(key, 3, 3, 3, T0).granted()).isEqualTo(3);
    }
}
