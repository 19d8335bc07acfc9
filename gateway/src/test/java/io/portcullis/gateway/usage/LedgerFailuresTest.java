package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;

/** Which failed batch writes are retried as they are, and which split the batch to set records aside. */
class LedgerFailuresTest {

    @ParameterizedTest
    @ValueSource(strings = {"08006", "08001", "40001", "40P01", "53100", "53300", "57P01", "57014", "58030", "42P01",
            "XX000", "55P03"})
    void retriesWhatIsNotTheRecordsFault(String state) {
        assertThat(LedgerFailures.isPermanent(new SQLException("x", state))).isFalse();
        assertThat(LedgerFailures.isPermanent(new UncategorizedSQLException("write", "sql", new SQLException("x", state))))
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"22021", "22P05", "22003", "22001", "22023", "23502", "23505", "23503"})
    void setsAsideWhatTheRecordsHold(String state) {
        assertThat(LedgerFailures.isPermanent(new SQLException("x", state))).isTrue();
        assertThat(LedgerFailures.isPermanent(new DataIntegrityViolationException("x", new SQLException("x", state))))
                .isTrue();
    }

    @Test
    void retriesConnectionsNotMadeAndBrokenSockets() {
        assertThat(LedgerFailures.isPermanent(new SQLTransientConnectionException("pool timed out"))).isFalse();
        assertThat(LedgerFailures.isPermanent(new CannotGetJdbcConnectionException("no connection"))).isFalse();
        assertThat(LedgerFailures.isPermanent(new RuntimeException(new SocketException("reset")))).isFalse();
        assertThat(LedgerFailures.isPermanent(new java.io.UncheckedIOException(new IOException("closed")))).isFalse();
    }

    @Test
    void setsAsideARecordOurOwnCodeCannotPrepare() {
        assertThat(LedgerFailures.isPermanent(new IllegalArgumentException("a ledger name cannot be null"))).isTrue();
        assertThat(LedgerFailures.isPermanent(new NullPointerException())).isTrue();
    }
}
