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
import java.util.concurrent.Semaphore;
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
 * <p>Answers are kept apart by status: 200s (admitted: {@code p50}, {@code p99}, ...), 503s (shed:
 * {@code shed}, {@code shed_p50}, {@code shed_p99}) and anything else or no answer ({@code other}).
 * At most {@code MAX_IN_FLIGHT} requests are outstanding: one due while that many wait is not sent
 * and counted as {@code unsent} (a failure of the target, which held them), so an overloaded target
 * cannot make the generator itself run out of memory and stall the schedule.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.OpenLoop \
 *     URL BODY_FILE RATE SECONDS [WARMUP_SECONDS] [BEARER_KEY] [MAX_IN_FLIGHT]</pre>
 *
 * Prints one line of {@code name=value} pairs (latencies in microseconds); {@code failed} is every
 * request that did not get a 200 ({@code shed + other + unsent}).
 */
public final class OpenLoop {

    private OpenLoop() {
    }

    /** What one measured run counted. */
    private record Tally(Histogram admitted, Histogram shedLatency, Histogram overhead, AtomicLong ok,
                         AtomicLong shed, AtomicLong other, AtomicLong unsent) {

        static Tally measured() {
            return new Tally(histogram(), histogram(), histogram(), new AtomicLong(), new AtomicLong(),
                    new AtomicLong(), new AtomicLong());
        }

        private static Histogram histogram() {
            return new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        }

        long settled() {
            return ok.get() + shed.get() + other.get() + unsent.get();
        }

        static void record(Histogram histogram, long micros) {
            histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
        }
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        String key = args.length > 5 ? args[5] : "none";
        int maxInFlight = args.length > 6 ? Integer.parseInt(args[6]) : 20_000;

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .executor(requests).connectTimeout(Duration.ofSeconds(5)).build()) {
            var request = HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("content-type", "application/json").header("authorization", "Bearer " + key)
                    .timeout(Duration.ofSeconds(10)).build();
            var inFlight = new Semaphore(maxInFlight);
            run(client, requests, request, rate, warmup, inFlight, null);
            Tally t = Tally.measured();
            long sent = run(client, requests, request, rate, seconds, inFlight, t);
            // let the last answers arrive (bounded by the request timeout)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(11);
            while (t.settled() < sent && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long lost = sent - t.settled();
            Histogram latency = t.admitted();
            Histogram overhead = t.overhead();
            System.out.printf("rate=%d seconds=%d sent=%d ok=%d failed=%d unanswered=%d p50=%d p90=%d p99=%d p999=%d max=%d"
                            + " mean=%.0f overhead_n=%d overhead_p50=%d overhead_p90=%d overhead_p99=%d overhead_max=%d"
                            + " shed=%d shed_p50=%d shed_p99=%d shed_max=%d other=%d unsent=%d max_in_flight=%d%n",
                    rate, seconds, sent, t.ok().get(), t.shed().get() + t.other().get() + t.unsent().get(), lost,
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(90),
                    latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), latency.getMaxValue(),
                    latency.getMean(), overhead.getTotalCount(), overhead.getValueAtPercentile(50),
                    overhead.getValueAtPercentile(90), overhead.getValueAtPercentile(99), overhead.getMaxValue(),
                    t.shed().get(), t.shedLatency().getValueAtPercentile(50), t.shedLatency().getValueAtPercentile(99),
                    t.shedLatency().getMaxValue(), t.other().get(), t.unsent().get(), maxInFlight);
        }
    }

    /** Sends {@code rate * seconds} requests on schedule (tally null: warm-up); returns how many were due. */
    private static long run(HttpClient client, ExecutorService requests, HttpRequest request, int rate, int seconds,
                            Semaphore inFlight, Tally tally) {
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
            if (!inFlight.tryAcquire()) {
                // the target holds MAX_IN_FLIGHT already: not sending keeps the schedule honest
                if (tally != null) {
                    tally.unsent().incrementAndGet();
                }
                continue;
            }
            requests.execute(() -> {
                try {
                    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                    long micros = (System.nanoTime() - due) / 1_000;
                    if (tally == null) {
                        return;
                    }
                    switch (response.statusCode()) {
                        case 200 -> {
                            Tally.record(tally.admitted(), micros);
                            response.headers().firstValue("x-portcullis-overhead-us")
                                    .ifPresent(v -> Tally.record(tally.overhead(), Long.parseLong(v)));
                            tally.ok().incrementAndGet();
                        }
                        case 503 -> {
                            Tally.record(tally.shedLatency(), micros);
                            tally.shed().incrementAndGet();
                        }
                        default -> tally.other().incrementAndGet();
                    }
                } catch (Exception e) {
                    if (tally != null) {
                        tally.other().incrementAndGet();
                    }
                } finally {
                    inFlight.release();
                }
            });
        }
        return total;
    }
}
