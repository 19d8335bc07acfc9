package io.portcullis.gateway.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries on the classpath, for a gateway started with
 * no {@code spring.datasource.url}. It keeps its port across {@link #stop()} and {@link #start()}
 * so tests can take the database away and bring it back under a running gateway.
 *
 * <p>A persistent server's data directory belongs to one gateway at a time: it holds an OS file
 * lock on {@code <dataDir>.lock} for as long as this object lives, and the OS lets go of it when
 * the process dies, however it dies. PostgreSQL itself runs detached, so a gateway killed with
 * SIGKILL (or an IDE's stop button) leaves its server running and the next start would fail on
 * PostgreSQL's "lock file postmaster.pid already exists"; holding the lock, the next gateway knows
 * that server has no owner and stops it first.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final int LEFTOVER_STOP_SECONDS = 30;

    private final Path dataDir;
    private final boolean ephemeral;
    private EmbeddedPostgres postgres;
    private int port;
    private FileChannel ownership;

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
        server.takeOwnership();
        try {
            server.stopLeftoverServer();
            server.start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
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

    private void takeOwnership() {
        Path lockFile = dataDir.resolveSibling(dataDir.getFileName() + ".lock");
        String inUse = "The embedded PostgreSQL data directory " + dataDir + " is in use by another running"
                + " gateway. Stop that one, or give this one its own directory (gateway.embedded-postgres.data-dir).";
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held in this very JVM
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException(inUse);
            }
            ownership = channel;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockFile, e);
        }
    }

    /**
     * Stops a PostgreSQL still running in this data directory although no gateway owns it (this
     * one holds the lock): the server of a gateway that died without stopping it. A process that
     * is not PostgreSQL on this directory (a reused PID) is left alone, for PostgreSQL to judge.
     */
    private void stopLeftoverServer() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        ProcessHandle leftover;
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
            leftover = ProcessHandle.of(pid).orElse(null);
        } catch (IOException | RuntimeException e) {
            return; // unreadable or half-written: PostgreSQL decides whether it is stale
        }
        if (leftover == null || !isPostgresOn(leftover, dataDir)) {
            return;
        }
        log.warn("Stopping the embedded PostgreSQL (PID {}) that a gateway left running in {} when it stopped"
                + " without shutting it down (killed?)", leftover.pid(), dataDir);
        // SIGTERM: PostgreSQL's smart shutdown, quick here since its clients died with their gateway
        leftover.destroy();
        try {
            leftover.onExit().get(LEFTOVER_STOP_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("The PostgreSQL (PID " + leftover.pid() + ") left running in " + dataDir
                    + " did not stop within " + LEFTOVER_STOP_SECONDS + " s; stop it by hand", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the PostgreSQL left running in " + dataDir, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isPostgresOn(ProcessHandle process, Path dataDir) {
        ProcessHandle.Info info = process.info();
        boolean postgres = info.command().map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false);
        boolean thisDirectory = info.arguments().map(args -> List.of(args).contains(dataDir.toString())).orElse(false);
        return process.isAlive() && postgres && thisDirectory;
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
        try {
            stop();
        } finally {
            releaseOwnership();
        }
        if (ephemeral) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                log.warn("could not delete {}: {}", dataDir, e.toString());
            }
        }
    }

    private void releaseOwnership() {
        if (ownership != null) {
            try {
                ownership.close(); // releases the lock
            } catch (IOException e) {
                log.warn("could not release the lock on {}: {}", dataDir, e.toString());
            }
            ownership = null;
        }
    }

    /** Connection properties shared by every pool pointed at this server. */
    static Map<String, String> connectionProperties() {
        return Map.of("ApplicationName", "portcullis");
    }
}
