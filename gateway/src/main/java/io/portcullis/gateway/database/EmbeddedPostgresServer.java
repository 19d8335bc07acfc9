package io.portcullis.gateway.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries on the classpath, for a gateway started with
 * no {@code spring.datasource.url}. It keeps its port across {@link #stop()} and {@link #start()}
 * so tests can take the database away and bring it back under a running gateway.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final Path dataDir;
    private final boolean ephemeral;
    private EmbeddedPostgres postgres;
    private int port;

    private EmbeddedPostgresServer(Path dataDir, boolean ephemeral) {
        this.dataDir = dataDir;
        this.ephemeral = ephemeral;
    }

    /** Starts a server keeping its files in {@code dataDir} (created if missing). */
    public static EmbeddedPostgresServer persistent(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create embedded PostgreSQL data directory " + dataDir, e);
        }
        var server = new EmbeddedPostgresServer(dataDir.toAbsolutePath().normalize(), false);
        server.start();
        return server;
    }

    /** Starts a server in a fresh temporary directory that {@link #close()} deletes. */
    public static EmbeddedPostgresServer ephemeral() {
        try {
            var server = new EmbeddedPostgresServer(Files.createTempDirectory("portcullis-pg-"), true);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for PostgreSQL", e);
        }
    }

    /** Starts (or restarts) the server on the same port and data directory. */
    public synchronized void start() {
        if (postgres != null) {
            return;
        }
        try {
            var builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    // Stopped by whoever owns this object (the Spring context, after the usage
                    // ledger has flushed), never by a JVM hook racing the graceful shutdown.
                    .setRegisterShutdownHook(false)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", ephemeral ? "off" : "on")
                    // zonky defaults to off: a crash could then lose ledger batches already committed
                    .setServerConfig("synchronous_commit", ephemeral ? "off" : "on")
                    .setLocaleConfig("encoding", "UTF8")
                    .setConnectConfig("connectTimeout", "5");
            if (port != 0) {
                builder.setPort(port);
            }
            postgres = builder.start();
            port = postgres.getPort();
            log.info("Embedded PostgreSQL listening on 127.0.0.1:{}, data in {}", port, dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL failed to start in " + dataDir, e);
        }
    }

    /** Stops the server, keeping its data for a later {@link #start()}. */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL failed to stop", e);
        } finally {
            postgres = null;
        }
    }

    /** @return a JDBC URL for the {@code postgres} database of this server */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** @return the user the embedded server was initialised with */
    public String username() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    @Override
    public synchronized void close() {
        stop();
        if (ephemeral) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                log.warn("could not delete {}: {}", dataDir, e.toString());
            }
        }
    }

    /** Connection properties shared by every pool pointed at this server. */
    static Map<String, String> connectionProperties() {
        return Map.of("ApplicationName", "portcullis");
    }
}
