package io.portcullis.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.portcullis.gateway.PortcullisApplication;
import io.portcullis.gateway.support.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The embedded PostgreSQL started before the context ({@link EmbeddedPostgresEarlyStart}) is the
 * one the gateway uses, and it is stopped on every way out: a normal shutdown and a failed start.
 * PostgreSQL removes {@code postmaster.pid} from its data directory when it stops.
 */
class EmbeddedPostgresEarlyStartTest {

    @TempDir
    Path dataDir;

    @Test
    void theGatewayUsesTheServerStartedBeforeItsContextAndStopsItOnShutdown() {
        try (var gateway = start(Map.of())) {
            assertThat(gateway.containsBean(EmbeddedPostgresEarlyStart.BEAN_NAME)).isTrue();
            var server = gateway.getBean(EmbeddedPostgresServer.class);
            assertThat(gateway.getBean(HikariDataSource.class).getJdbcUrl()).isEqualTo(server.jdbcUrl());
            assertThat(dataDir.resolve("postmaster.pid")).exists();
        }
        assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void aStartThatFailsAfterTheDatabaseStartedStopsIt() {
        // invalid, and bound only while the context is refreshed: after the database was started
        assertThatThrownBy(() -> start(Map.of("gateway.max-request-bytes", "0")).close())
                .hasStackTraceContaining("gateway.max-request-bytes");

        assertThat(dataDir.resolve("PG_VERSION")).as("the database was started").exists();
        assertThat(dataDir.resolve("postmaster.pid")).as("and stopped again").doesNotExist();
    }

    @Test
    void withADataSourceUrlNoEmbeddedServerIsStarted() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = start(Map.of("spring.datasource.url", postgres.jdbcUrl(),
                     "spring.datasource.username", "postgres"))) {
            assertThat(gateway.containsBean(EmbeddedPostgresEarlyStart.BEAN_NAME)).isFalse();
            assertThat(gateway.getBeanNamesForType(EmbeddedPostgresServer.class)).isEmpty();
        }
        try (var files = Files.list(dataDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void anotherApplicationOnTheClassPathStartsNoDatabase() throws Exception {
        try (var other = new SpringApplicationBuilder(OtherApplication.class).web(WebApplicationType.NONE)
                .run("--gateway.embedded-postgres.data-dir=" + dataDir)) {
            assertThat(other.containsBean(EmbeddedPostgresEarlyStart.BEAN_NAME)).isFalse();
        }
        try (var files = Files.list(dataDir)) {
            assertThat(files).isEmpty();
        }
    }

    /** Any Spring Boot application that is not the gateway, as the tests' identity provider is. */
    @SpringBootConfiguration
    static class OtherApplication {
    }

    private ConfigurableApplicationContext start(Map<String, String> extra) {
        var properties = TestGateway.properties();
        properties.put("gateway.embedded-postgres.data-dir", dataDir.toString());
        properties.put("server.port", "0");
        properties.putAll(extra);
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(PortcullisApplication.class).run(args);
    }
}
