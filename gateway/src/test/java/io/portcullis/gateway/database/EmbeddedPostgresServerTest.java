package io.portcullis.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static String show(java.sql.Statement statement, String setting) throws Exception {
        try (var rows = statement.executeQuery("show " + setting)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
