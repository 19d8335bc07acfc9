package io.portcullis.gateway.database;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A process that owns a persistent embedded PostgreSQL as a gateway does, for tests that need
 * the owner to be another process: to kill it, or to find its directory taken. Prints
 * {@code ready} once the server is up, then waits to be stopped.
 */
public final class EmbeddedPostgresOwner {

    private EmbeddedPostgresOwner() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedPostgresServer.persistent(Path.of(args[0]));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Starts an owner of {@code dataDir} in a new JVM and returns once its server is up. */
    static Process start(Path dataDir) throws Exception {
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        Process owner = new ProcessBuilder(javaCommand, "-cp", System.getProperty("java.class.path"),
                EmbeddedPostgresOwner.class.getName(), dataDir.toString())
                .redirectErrorStream(true).start();
        var out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
        var seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
            if (line.equals("ready")) {
                // keep draining its output, so the owner never blocks on a full pipe
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                return owner;
            }
            seen.append(line).append('\n');
        }
        owner.destroyForcibly();
        throw new IllegalStateException("the owner process did not get its server up:\n" + seen);
    }
}
