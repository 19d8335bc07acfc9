package io.portcullis.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTest {

    @Test
    void aPersistentServerMakesEveryCommitDurable(@TempDir Path dir) throws Exception {
        try (var server = EmbeddedPostgresServer.persistent(Files.createDirectories(dir.resolve("pg")))) {
            try (var connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), "postgres");
                 var statement = connection.createStatement()) {
                assertThat(show(statement, "fsync")).isEqualTo("on");
                assertThat(show(statement, "synchronous_commit")).isEqualTo("on");
            }
        }
    }

    @Test
    void aServerLeftRunningByAGatewayThatWasKilledIsStoppedAndTheDirectoryStartsAgain(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("pg");
        Process owner = EmbeddedPostgresOwner.start(data);
        long leftover = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().trim());
        owner.destroyForcibly().waitFor(); // SIGKILL: no chance to stop its PostgreSQL
        assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive)).as("left running").hasValue(true);

        try (var server = EmbeddedPostgresServer.persistent(data)) {
            assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            try (var connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), "postgres");
                 var statement = connection.createStatement()) {
                assertThat(show(statement, "data_directory")).isEqualTo(data.toAbsolutePath().normalize().toString());
            }
        } finally {
            ProcessHandle.of(leftover).ifPresent(ProcessHandle::destroy);
        }
    }

    @Test
    void aDirectoryInUseByARunningGatewayIsRefusedWithAMessageSayingSo(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("pg");
        Process owner = EmbeddedPostgresOwner.start(data);
        long serverPid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().trim());
        try {
            assertThatThrownBy(() -> EmbeddedPostgresServer.persistent(data))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is in use by another running gateway")
                    .hasMessageContaining("gateway.embedded-postgres.data-dir");
            assertThat(ProcessHandle.of(serverPid).map(ProcessHandle::isAlive)).as("the owner's server untouched").hasValue(true);
        } finally {
            owner.destroyForcibly().waitFor();
            ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroy);
        }
    }

    private static String show(java.sql.Statement statement, String setting) throws Exception {
        try (var rows = statement.executeQuery("show " + setting)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
