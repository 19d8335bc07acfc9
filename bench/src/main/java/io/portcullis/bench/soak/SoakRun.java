package io.portcullis.bench.soak;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A soak run (docs/reliability.md): a gateway process under mixed traffic — plain and streamed
 * chat, embeddings, rate-limit rejections, bad requests, unknown keys — for {@code soak.minutes}
 * (default 20). Every 30 s it forces a GC in the gateway ({@code jcmd GC.run}) and samples heap
 * used after GC, live threads, open file descriptors and the ledger's queue, into
 * {@code target/soak.csv} (below the working directory: {@code bench/} when run by
 * {@code bench/soak/run.sh}, which passes {@code SOAK_MINUTES} as {@code -Dsoak.minutes}). The gateway
 * answers from the tests' fake backends, which this process serves.
 */
public final class SoakRun {

    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.E]+)");
    private static final Pattern THREADS = Pattern.compile("jvm_threads_live_threads\\{[^}]*} ([0-9.E]+)");
    private static final Pattern QUEUE = Pattern.compile("portcullis_usage_queue_depth\\{[^}]*} ([0-9.E]+)");

    private SoakRun() {
    }

    public static void main(String[] args) throws Exception {
        try {
            soak();
        } catch (Throwable e) { // also a class missing from the class path: the JVM must not hang on it
            e.printStackTrace();
            System.exit(1);
        }
        // the fake backends' servers are not daemons: the JVM would wait for them
        System.exit(0);
    }

    private static void soak() throws Exception {
        long minutes = Long.getLong("soak.minutes", 20);
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            var gateway = GatewayProcess.start(postgres.jdbcUrl(), GatewayProcess.freePort(), "soak", Map.of());
            GatewayClient client = gateway.client();
            var key = client.createKey();
            var limited = client.createKey("{\"name\":\"limited\",\"limits\":{\"requestsPerMinute\":30}}");
            Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
            var stop = new AtomicBoolean();
            List<Thread> load = new ArrayList<>();
            List<Runnable> kinds = List.of(
                    () -> count(statuses, client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"))),
                    () -> count(statuses, client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"x\"}")),
                    () -> count(statuses, client.post("/v1/chat/completions", limited.secret(), GatewayClient.chat("fake-chat"))),
                    () -> count(statuses, client.post("/v1/chat/completions", key.secret(), "{\"model\":7}")),
                    () -> count(statuses, client.post("/v1/chat/completions", "gw-AAAAAAAAAAAA-" + "C".repeat(32),
                            GatewayClient.chat("fake-chat"))),
                    () -> stream(client, key.secret(), statuses));
            for (int t = 0; t < 12; t++) {
                Runnable kind = kinds.get(t % kinds.size());
                load.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            kind.run();
                        } catch (RuntimeException e) {
                            statuses.computeIfAbsent("exception", k -> new LongAdder()).increment();
                        }
                    }
                }));
            }
            Path csv = Path.of("target", "soak.csv");
            var lines = new ArrayList<String>();
            lines.add("minute,heap_after_gc_mb,threads,open_fds,usage_queue,requests");
            long start = System.nanoTime();
            long end = start + Duration.ofMinutes(minutes).toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(Duration.ofSeconds(30));
                new ProcessBuilder("jcmd", Long.toString(gateway.pid()), "GC.run").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                String metrics = client.get("/actuator/prometheus", null).body();
                long fds;
                try (var files = Files.list(Path.of("/proc", Long.toString(gateway.pid()), "fd"))) {
                    fds = files.count();
                }
                long total = statuses.values().stream().mapToLong(LongAdder::sum).sum();
                lines.add(String.format("%.1f,%.1f,%.0f,%d,%.0f,%d", (System.nanoTime() - start) / 6e10,
                        sum(HEAP, metrics) / 1e6, sum(THREADS, metrics), fds, sum(QUEUE, metrics), total));
                System.out.println("SOAK " + lines.getLast() + " " + statuses);
            }
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(30));
            }
            Files.write(csv, lines);
            gateway.terminate();
            gateway.awaitExit(Duration.ofSeconds(60));
            System.out.println("SOAK DONE " + statuses + "\n" + String.join("\n", lines));
        }
    }

    private static void stream(GatewayClient client, String key, Map<String, LongAdder> statuses) {
        try {
            HttpResponse<java.io.InputStream> response = client.http().send(HttpRequest.newBuilder(
                            URI.create(client.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fake-chat\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                while (reader.readLine() != null) {
                    // drain
                }
            }
            statuses.computeIfAbsent("stream-" + response.statusCode(), k -> new LongAdder()).increment();
        } catch (Exception e) {
            statuses.computeIfAbsent("stream-exception", k -> new LongAdder()).increment();
        }
    }

    private static void count(Map<String, LongAdder> statuses, HttpResponse<String> response) {
        statuses.computeIfAbsent(Integer.toString(response.statusCode()), k -> new LongAdder()).increment();
    }

    private static double sum(Pattern pattern, String metrics) {
        Matcher m = pattern.matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
        }
        return total;
    }
}
