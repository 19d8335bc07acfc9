package io.portcullis.bench;

import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.Cidr;
import io.portcullis.policy.Decision;
import io.portcullis.policy.IpAddresses;
import io.portcullis.policy.Limits;
import io.portcullis.policy.Modality;
import io.portcullis.policy.RequestFacts;
import io.portcullis.policy.UsagePolicy;
import io.portcullis.policy.quota.CalendarWindows;
import io.portcullis.policy.quota.QuotaEngine;
import io.portcullis.policy.quota.QuotaRequest;
import io.portcullis.policy.spi.InMemoryLeaseStore;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The decision hot path with warm caches and leases: usage policy check plus quota admission and
 * settlement against a key and its team, each with per-minute, daily and monthly limits and a
 * concurrency limit. The limits are large so the lease store is only consulted for refills, as
 * in steady state on a busy gateway. Target: 2 million decisions per second on one core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
public class DecisionBenchmark {


    private final AccessPolicy policy = new AccessPolicy();
    private QuotaEngine engine;
    private UsagePolicy keyPolicy;
    private Limits keyLimits;
    private Limits teamLimits;
    private RequestFacts facts;
    private QuotaRequest quotaRequest;
    private Instant now;
    private long decisions;

    @Setup
    public void setUp() {
        engine = new QuotaEngine(new InMemoryLeaseStore(), new CalendarWindows(ZoneOffset.UTC));
        keyPolicy = new UsagePolicy(Set.of("llama3.2", "gpt-4o-mini"), Set.of(Modality.TEXT, Modality.IMAGE),
                List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.0/8")), List.of());
        // the largest limits the admin API accepts: every check runs, none is the bottleneck
        keyLimits = new Limits(Limits.MAX_PER_MINUTE, Limits.MAX_PER_MINUTE, Limits.MAX_TOKEN_BUDGET,
                Limits.MAX_TOKEN_BUDGET, Limits.MAX_SPEND_MICROS, 4096L, Limits.MAX_CONCURRENT);
        teamLimits = new Limits(Limits.MAX_PER_MINUTE, Limits.MAX_PER_MINUTE, Limits.MAX_TOKEN_BUDGET,
                Limits.MAX_TOKEN_BUDGET, Limits.MAX_SPEND_MICROS, null, Limits.MAX_CONCURRENT);
        facts = new RequestFacts("llama3.2", Set.of(Modality.TEXT), "What is the capital of Mexico?", 12, 256,
                IpAddresses.parse("10.1.2.3"));
        quotaRequest = new QuotaRequest("key:bench", keyLimits, "team:bench", teamLimits, 268, 1_500);
        now = Instant.parse("2026-11-27T12:00:00Z");
    }

    /** One full decision: policy, admission, settlement. */
    @Benchmark
    public boolean decideAdmitAndSettle() {
        // A new minute every 2^20 decisions (2·10^8 tokens, under the largest tokensPerMinute),
        // so the buckets refill as in real traffic instead of running dry at a frozen instant.
        if ((++decisions & 0xFFFFF) == 0) {
            now = now.plusSeconds(60);
        }
        Decision d = policy.checkRequest(keyPolicy, keyLimits, UsagePolicy.OPEN, teamLimits, facts);
        if (!d.isAllowed()) {
            return false;
        }
        var admission = engine.admit(quotaRequest, now);
        if (admission.allowed()) {
            engine.settle(admission.reservation(), 200, 1_200, now);
            return true;
        }
        return false;
    }
}
