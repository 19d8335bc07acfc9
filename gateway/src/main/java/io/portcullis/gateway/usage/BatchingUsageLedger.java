package io.portcullis.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The usage ledger off the request path: requests drop their record into a bounded queue and
 * move on; one writer thread drains it in batches of up to {@code gateway.usage.batch-size}
 * rows, each batch written with its rollups in one transaction by {@link UsageWriter}.
 *
 * <p>If the database is away, the writer keeps the batch and retries with backoff while the
 * queue absorbs new records. A record the database refuses for good (a NUL character, a value out
 * of range) is found by splitting its batch and set aside in {@code usage_poison}; the rest is written. Only when the queue itself is full is a record refused, and then
 * it is counted ({@code portcullis.usage.records.dropped}) and logged, never dropped silently.
 * On shutdown the writer stops after the web server has drained, and writes everything left.
 *
 * <p>Not on the housekeeper: the writer is no periodic task but a consumer blocked on its queue,
 * writing as soon as a batch fills (on a period, records would wait for the next run and a run's
 * length would cap the write rate). It keeps its own thread and the housekeeper's stop rule: asked
 * to stop, it finishes the batch in hand and what is queued, is waited for up to
 * {@code gateway.usage.shutdown-timeout}, then given up on, with the records left logged.
 */
@Component
class BatchingUsageLedger implements UsageLedger, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BatchingUsageLedger.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** How often a lingering batch looks for records that came meanwhile. */
    private static final long LINGER_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final UsageWriter batchWriter;
    private final PoisonRecords poison;
    private final BlockingQueue<UsageRecord> queue;
    private final int capacity;
    private final int batchSize;
    private final Duration flushInterval;
    private final Duration shutdownTimeout;
    private final Counter written;
    private final Counter dropped;
    private final Counter writeFailures;
    private final Timer flushTimer;
    private final AtomicLong droppedSinceLastLog = new AtomicLong();
    private volatile long lastDropLogNanos;
    private volatile boolean running;
    private volatile boolean draining;
    /** Records accepted and not yet written: queued, or in the batch being written. */
    private final AtomicLong outstanding = new AtomicLong();
    private Thread writer;

    BatchingUsageLedger(UsageWriter writer, PoisonRecords poison, UsageProperties usage,
                        MeterRegistry registry) {
        this.batchWriter = writer;
        this.poison = poison;
        this.queue = new ArrayBlockingQueue<>(usage.queueCapacity());
        this.capacity = usage.queueCapacity();
        this.batchSize = usage.batchSize();
        this.flushInterval = usage.flushInterval();
        this.shutdownTimeout = usage.shutdownTimeout();
        this.written = Counter.builder("portcullis.usage.records.written")
                .description("Usage records written to PostgreSQL").register(registry);
        this.dropped = Counter.builder("portcullis.usage.records.dropped")
                .description("Usage records refused because the in-memory queue was full").register(registry);
        this.writeFailures = Counter.builder("portcullis.usage.write.failures")
                .description("Failed attempts to write a usage batch (retried, or split when PostgreSQL refuses a"
                        + " record)").register(registry);
        this.flushTimer = Timer.builder("portcullis.usage.flush")
                .description("Time to write one usage batch").register(registry);
        Gauge.builder("portcullis.usage.queue.depth", this, BatchingUsageLedger::pending)
                .description("Usage records waiting to be written").register(registry);
    }

    @Override
    public void record(UsageRecord record) {
        // counted before it is queued, so pending() can never read zero while a record is in hand
        outstanding.incrementAndGet();
        if (queue.offer(record)) {
            return;
        }
        outstanding.decrementAndGet();
        dropped.increment();
        long count = droppedSinceLastLog.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastDropLogNanos > TimeUnit.SECONDS.toNanos(10)) {
            lastDropLogNanos = now;
            droppedSinceLastLog.addAndGet(-count);
            log.error("Usage queue full ({} records): {} usage record(s) dropped since the last report;"
                    + " is the database reachable?", queue.size(), count);
        }
    }

    @Override
    public int pending() {
        return (int) outstanding.get();
    }

    /**
     * The queue's free places, read without its lock: counted from the records outstanding, which
     * include the batch being written, so it errs by at most a batch on the safe side.
     */
    @Override
    public int room() {
        return (int) Math.max(0, capacity - outstanding.get());
    }

    @Override
    public void start() {
        // a context may be stopped and started again (Spring's test contexts pause between uses):
        // a ledger that stayed draining would accept records and never write them
        draining = false;
        running = true;
        writer = Thread.ofPlatform().name("usage-ledger-writer").daemon().start(this::run);
    }

    /**
     * Stops after the web server (lower phase stops later), so requests still finishing during
     * graceful shutdown have their records written, and before the DataSource closes.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    @Override
    public void stop() {
        draining = true;
        running = false;
        writer.interrupt();
        try {
            writer.join(shutdownTimeout.plusSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = pending();
        if (left > 0) {
            log.error("Shutdown: {} usage record(s) could not be written within {}", left, shutdownTimeout);
        } else {
            log.info("Usage ledger flushed");
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        List<UsageRecord> batch = new ArrayList<>(batchSize);
        long deadline = Long.MAX_VALUE;
        while (true) {
            if (draining && deadline == Long.MAX_VALUE) {
                deadline = System.nanoTime() + shutdownTimeout.toNanos();
            }
            if (batch.isEmpty()) {
                if (!fill(batch)) {
                    if (draining) {
                        return; // nothing left
                    }
                    continue;
                }
            }
            UUID batchId = UUID.randomUUID();
            if (writeWithRetry(batchId, batch, batchId, deadline)) {
                batch.clear();
            } else {
                return; // shutdown deadline passed; stop() reports what is left
            }
        }
    }

    /**
     * Waits for records, then lingers up to the flush interval for the batch to fill.
     *
     * @return false when nothing arrived
     */
    private boolean fill(List<UsageRecord> batch) {
        try {
            if (draining) {
                queue.drainTo(batch, batchSize);
                return !batch.isEmpty();
            }
            UsageRecord first = queue.poll(flushInterval.toNanos(), TimeUnit.NANOSECONDS);
            if (first == null) {
                return false;
            }
            batch.add(first);
            long lingerUntil = System.nanoTime() + flushInterval.toNanos();
            while (batch.size() < batchSize && !draining) {
                queue.drainTo(batch, batchSize - batch.size());
                long wait = lingerUntil - System.nanoTime();
                if (batch.size() >= batchSize || wait <= 0) {
                    break;
                }
                // Sleeps rather than polls: a poll returned for every record, so under load the writer
                // was woken per request (perf: the most futex calls and context switches of any
                // thread at 15k req/s); a full batch is still seen within one step.
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, LINGER_STEP_NANOS));
            }
            return true;
        } catch (InterruptedException e) {
            // stop() interrupts to end the linger; the loop sees 'draining' and writes what it has
            queue.drainTo(batch, batchSize - batch.size());
            return !batch.isEmpty();
        }
    }

    /**
     * Writes the records under {@code batchId}, retrying transient failures with backoff (100 ms to
     * 5 s). On a permanent failure ({@link LedgerFailures}) the records are split in halves, each
     * written as its own batch, until every refused record is alone: it is then set aside
     * ({@link PoisonRecords}) and the rest written, so one bad record never blocks the ledger.
     *
     * @param origin the batch the records were taken in, kept with records set aside
     * @return false when the shutdown deadline passed first
     */
    private boolean writeWithRetry(UUID batchId, List<UsageRecord> records, UUID origin, long deadline) {
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                long start = System.nanoTime();
                write(batchId, records);
                flushTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                written.increment(records.size());
                outstanding.addAndGet(-records.size());
                return true;
            } catch (SQLException | RuntimeException e) {
                writeFailures.increment();
                if (LedgerFailures.isPermanent(e)) {
                    return split(records, origin, e, deadline);
                }
                log.warn("Writing {} usage record(s) failed ({}); {} queued; retrying in {} ms", records.size(),
                        e.toString(), queue.size(), backoff.toMillis());
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** Bisects records PostgreSQL refused for good: about 2·log2(n) writes to isolate one bad record. */
    private boolean split(List<UsageRecord> records, UUID origin, Exception failure, long deadline) {
        if (records.size() == 1) {
            poison.setAside(origin, records.getFirst(), failure);
            outstanding.decrementAndGet();
            return true;
        }
        log.warn("Writing {} usage record(s) of batch {} failed for good ({}); splitting it to find the refused"
                + " record(s)", records.size(), origin, failure.toString());
        int half = records.size() / 2;
        // each half is a new batch (new id): the failed write committed nothing
        return writeWithRetry(UUID.randomUUID(), records.subList(0, half), origin, deadline)
                && writeWithRetry(UUID.randomUUID(), records.subList(half, records.size()), origin, deadline);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            // interrupted by stop(): go straight back to retrying, now under the shutdown deadline
        }
    }

    private void write(UUID batchId, List<UsageRecord> batch) throws SQLException {
        if (!batchWriter.write(batchId, batch)) {
            log.info("Usage batch {} had already been written; skipped the retry", batchId);
        }
    }
}
