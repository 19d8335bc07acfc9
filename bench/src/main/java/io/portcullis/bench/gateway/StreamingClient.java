package io.portcullis.bench.gateway;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds {@code STREAMS} chat streams open at once through the gateway, from one process: one
 * virtual thread and one plain socket per stream, opened evenly over {@code RAMP_SECONDS}. A
 * stream succeeds when it answers 200 and delivers at least {@code CHUNKS} events and
 * {@code [DONE]}; anything else is a failure, counted by reason.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.StreamingClient \
 *     PORT KEY MODEL STREAMS CHUNKS RAMP_SECONDS</pre>
 */
public final class StreamingClient {

    private StreamingClient() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String key = args[1];
        String model = args[2];
        int streams = Integer.parseInt(args[3]);
        int chunks = Integer.parseInt(args[4]);
        int rampSeconds = Integer.parseInt(args[5]);
        byte[] body = ("{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"tick\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

        var open = new AtomicInteger();
        var peak = new AtomicInteger();
        var ok = new AtomicInteger();
        var events = new AtomicLong();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var reporter = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    System.out.printf("t=%ds open=%d ok=%d failed=%d events=%d%n",
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), open.get(), ok.get(),
                            failures.values().stream().mapToInt(AtomicInteger::get).sum(), events.get());
                }
            });
            for (int i = 0; i < streams; i++) {
                long due = start + TimeUnit.SECONDS.toNanos(rampSeconds) * i / streams;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                threads.execute(() -> {
                    String failure = stream(port, head, body, chunks, open, peak, events);
                    if (failure == null) {
                        ok.incrementAndGet();
                    } else {
                        failures.computeIfAbsent(failure, f -> new AtomicInteger()).incrementAndGet();
                    }
                });
            }
            threads.shutdown();
            threads.awaitTermination(chunks + rampSeconds + 120L, TimeUnit.SECONDS);
            reporter.interrupt();
        }
        int failed = failures.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.printf("streams=%d ok=%d failed=%d peak_open=%d events=%d seconds=%d failures=%s%n", streams, ok.get(),
                failed, peak.get(), events.get(), TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), failures);
    }

    /** @return null on success, else a short reason */
    private static String stream(int port, byte[] head, byte[] body, int chunks, AtomicInteger open,
                                 AtomicInteger peak, AtomicLong events) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(body);
            out.flush();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 2048);
            String status = in.readLine();
            if (status == null || !status.startsWith("HTTP/1.1 200")) {
                return "status " + status;
            }
            int now = open.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            try {
                int seen = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("data: [DONE]")) {
                        return seen >= chunks ? null : "short stream (" + seen + " events)";
                    }
                    if (line.startsWith("data: ")) {
                        seen++;
                        events.incrementAndGet();
                    }
                }
                return "closed early";
            } finally {
                open.decrementAndGet();
            }
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
