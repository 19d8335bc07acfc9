package io.portcullis.bench.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load at a fixed rate: request {@code i} is due at {@code start + i / rate} whether or
 * not earlier ones have answered, and its latency is counted from when it was due, so a stall
 * shows up in the percentiles instead of slowing the load (no coordinated omission). Records the
 * gateway's {@code x-portcullis-overhead-us} header too when the answer has one.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.OpenLoop \
 *     URL BODY_FILE RATE SECONDS [WARMUP_SECONDS] [BEARER_KEY]</pre>
 *
 * Prints one line of {@code name=value} pairs (latencies in microseconds).
 */
public final class OpenLoop {

    private OpenLoop() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        String key = args.length > 5 ? args[5] : "none";

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .executor(requests).connectTimeout(Duration.ofSeconds(5)).build()) {
            var request = HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("content-type", "application/json").header("authorization", "Bearer " + key)
                    .timeout(Duration.ofSeconds(10)).build();
            run(client, requests, request, rate, warmup, null, null, new AtomicLong(), new AtomicLong());
            Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
            Histogram overhead = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
            var ok = new AtomicLong();
            var failed = new AtomicLong();
            long sent = run(client, requests, request, rate, seconds, latency, overhead, ok, failed);
            // let the last answers arrive (bounded by the request timeout)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(11);
            while (ok.get() + failed.get() < sent && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long lost = sent - ok.get() - failed.get();
            System.out.printf("rate=%d seconds=%d sent=%d ok=%d failed=%d unanswered=%d p50=%d p90=%d p99=%d p999=%d max=%d"
                            + " mean=%.0f overhead_n=%d overhead_p50=%d overhead_p90=%d overhead_p99=%d overhead_max=%d%n",
                    rate, seconds, sent, ok.get(), failed.get(), lost,
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
                    latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue(),
                    latency.getMean(), overhead.getTotalCount(), overhead.getValueAtPercentile(50),
                    overhead.getValueAtPercentile(90), overhead.getValueAtPercentile(99), overhead.getMaxValue());
        }
    }

    /** Sends {@code rate * seconds} requests on schedule; returns how many were sent. */
    private static long run(HttpClient client, ExecutorService requests, HttpRequest request, int rate, int seconds,
                            Histogram latency, Histogram overhead, AtomicLong ok, AtomicLong failed) {
        long total = (long) rate * seconds;
        double intervalNanos = 1e9 / rate;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * intervalNanos);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                if (wait > 50_000) {
                    LockSupport.parkNanos(wait - 20_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            requests.execute(() -> {
                try {
                    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    long micros = (System.nanoTime() - due) / 1_000;
                    if (latency == null) {
                        return;
                    }
                    if (response.statusCode() != 200) {
                        failed.incrementAndGet();
                        return;
                    }
                    latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
                    response.headers().firstValue("x-portcullis-overhead-us")
                            .ifPresent(v -> overhead.recordValue(Math.min(Long.parseLong(v),
                                    overhead.getHighestTrackableValue())));
                    ok.incrementAndGet();
                } catch (Exception e) {
                    if (latency != null) {
                        failed.incrementAndGet();
                    }
                }
            });
        }
        return total;
    }
}
