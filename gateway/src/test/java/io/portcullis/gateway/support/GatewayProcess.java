package io.portcullis.gateway.support;

import io.portcullis.gateway.PortcullisApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A gateway in its own operating-system process (the test JVM's classpath), for what only a real
 * process can show: {@code kill -9}, SIGTERM, a restart. Output goes to {@code target/<name>.log}.
 */
public final class GatewayProcess {

    private final Process process;
    private final int port;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a gateway on {@code port} against {@code jdbcUrl} and waits until it is ready. */
    public static GatewayProcess start(String jdbcUrl, int port, String name, Map<String, String> extra) {
        return start(jdbcUrl, port, name, extra, List.of());
    }

    /** As {@link #start(String, int, String, Map)}, with JVM options (a small {@code -Xmx}, say). */
    public static GatewayProcess start(String jdbcUrl, int port, String name, Map<String, String> extra,
                                       List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PortcullisApplication.class.getName());
        var properties = TestGateway.properties();
        properties.put("spring.datasource.url", jdbcUrl);
        properties.put("spring.datasource.username", "postgres");
        properties.put("server.port", Integer.toString(port));
        properties.putAll(extra);
        properties.forEach((k, v) -> command.add("--" + k + "=" + v));
        try {
            Path log = Path.of("target", name + ".log");
            Files.createDirectories(log.getParent());
            var process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            var started = new GatewayProcess(process, port);
            GatewayClient client = started.client();
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> client.get("/actuator/health/readiness", null).statusCode() == 200);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public GatewayClient client() {
        return new GatewayClient(port);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, as Kubernetes sends: graceful shutdown. */
    public void terminate() {
        process.destroy();
    }

    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
