package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.status.Status;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access line's writer thread ({@link AccessLineWriter}) against a real file, with real threads:
 * whole lines in writes of at most PIPE_BUF, nothing lost, nothing held back while idle.
 */
class AccessLineWriterTest {

    private final LoggerContext context = new LoggerContext();
    private final Logger access = context.getLogger(AccessLog.LOGGER);
    private RecordingFile console;

    @BeforeEach
    void openConsole(@TempDir Path dir) throws IOException {
        console = new RecordingFile(dir.resolve("stdout"));
    }

    @AfterEach
    void stop() throws IOException {
        console.release();
        context.stop();
        console.file.close();
    }

    private AccessLineWriter started(int capacity, Duration stopWait) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%m%n");
        encoder.start();
        var writer = new AccessLineWriter(console, capacity, stopWait);
        writer.setContext(context);
        writer.setName("ACCESS");
        writer.setEncoder(encoder);
        writer.start();
        access.addAppender(writer);
        access.setAdditive(false);
        return writer;
    }

    /** A line of exactly {@code length} bytes, newline included. */
    private static String line(String text, int length) {
        return text + " " + "x".repeat(length - text.length() - 2);
    }

    @Test
    void writesEveryLineOnceWholeAndInEachThreadsOrderInWritesOfAtMost4096Bytes() throws Exception {
        AccessLineWriter writer = started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));
        int threads = 8;
        int lines = 5_000;
        List<Thread> loggers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            loggers.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < lines; n++) {
                    access.info(line("t" + thread + " n" + n, 200 + (n * 7 + thread * 13) % 150));
                }
            }));
        }
        for (Thread logger : loggers) {
            logger.join();
        }
        writer.stop();

        int[] next = new int[threads];
        for (byte[] write : console.writes()) {
            assertThat(write.length).as("bytes in one write").isBetween(1, AccessLineWriter.MAX_WRITE_BYTES);
            assertThat(write[write.length - 1]).as("a write ends at the end of a line").isEqualTo((byte) '\n');
            for (String got : new String(write, StandardCharsets.UTF_8).split("\n")) {
                String[] fields = got.split(" ");
                int thread = Integer.parseInt(fields[0].substring(1));
                assertThat(fields[1]).as("thread %d's next line, whole", thread).isEqualTo("n" + next[thread]);
                assertThat(got).isEqualTo(line(fields[0] + " " + fields[1], got.length() + 1));
                next[thread]++;
            }
        }
        assertThat(next).as("lines per thread").containsOnly(lines);
        assertThat(Files.readString(console.path).lines()).hasSize(threads * lines);
        assertThat(console.writes().size()).as("writes for %d lines", threads * lines).isLessThan(threads * lines / 2);
    }

    @Test
    void packsTheQueuedLinesIntoAsFewWritesOfWholeLinesAsFit() {
        started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));
        console.hold();
        access.info(line("first", 100));
        await().atMost(Duration.ofSeconds(5)).until(() -> console.blocked.get() == 1);
        for (int n = 1; n < 100; n++) {
            access.info(line("n" + n, 100));
        }

        console.release();

        await().atMost(Duration.ofSeconds(5)).until(() -> console.text().lines().count() == 100);
        assertThat(console.writes()).extracting(write -> write.length).containsExactly(100, 4000, 4000, 1900);
    }

    @Test
    void writesALineAtOnceWhenIdle() throws InterruptedException {
        started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));

        for (String text : List.of("first", "after a quiet while")) {
            long start = System.nanoTime();
            access.info(text);
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(5))
                    .until(() -> console.text().contains(text + "\n"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            Thread.sleep(300);
        }
    }

    @Test
    void makesCallersWaitWhileTheQueueIsFullAndLosesNoLine() {
        started(4, Duration.ofSeconds(5));
        console.hold();
        access.info("n0");
        await().atMost(Duration.ofSeconds(5)).until(() -> console.blocked.get() == 1);
        AtomicInteger logged = new AtomicInteger();
        Thread caller = Thread.ofPlatform().start(() -> {
            for (int n = 1; n < 20; n++) {
                access.info("n" + n);
                logged.incrementAndGet();
            }
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> caller.getState() == Thread.State.WAITING);
        assertThat(logged).as("n0 in the stuck write, four queued, n5 waits").hasValue(4);

        console.release();

        await().atMost(Duration.ofSeconds(5)).until(() -> !caller.isAlive());
        await().atMost(Duration.ofSeconds(5)).until(() -> console.text().lines().count() == 20);
        assertThat(console.text().lines()).containsExactlyElementsOf(
                IntStream.range(0, 20).mapToObj(n -> "n" + n).toList());
    }

    @Test
    void writesEverythingQueuedBeforeStopReturns() throws Exception {
        AccessLineWriter writer = started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));
        console.hold();
        for (int n = 0; n < 100; n++) {
            access.info("n" + n);
        }
        Thread stopping = Thread.ofPlatform().start(writer::stop);
        await().atMost(Duration.ofSeconds(5)).until(() -> console.blocked.get() == 1);
        access.info("while stopping");
        assertThat(stopping.isAlive()).as("stop waits for the writer").isTrue();

        console.release();
        stopping.join(Duration.ofSeconds(5));

        assertThat(stopping.isAlive()).isFalse();
        assertThat(console.text().lines()).hasSize(101).endsWith("while stopping");
        assertThat(errors()).isEmpty();
    }

    @Test
    void stopsWithinItsWaitWhenTheConsoleIsStuckAndSaysWhatIsLeft() {
        AccessLineWriter writer = started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofMillis(300));
        console.hold();
        access.info("n0");
        await().atMost(Duration.ofSeconds(5)).until(() -> console.blocked.get() == 1);
        for (int n = 1; n < 10; n++) {
            access.info("n" + n);
        }
        long start = System.nanoTime();

        writer.stop();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(errors()).anyMatch(status -> status.getMessage().contains("9 access line(s) still queued"));
        console.release();
        await().atMost(Duration.ofSeconds(5)).until(() -> console.text().lines().count() == 10);
    }

    @Test
    void refusesLinesAfterStopWithAWarning() {
        AccessLineWriter writer = started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));
        writer.stop();

        access.info("too late");

        assertThat(console.text()).isEmpty();
        assertThat(statuses(status -> status.getLevel() == Status.WARN))
                .anyMatch(status -> status.getMessage().contains("non started appender [ACCESS]"));
    }

    @Test
    void carriesOnAfterAWriteFailsAndReportsIt() {
        started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));
        console.failures.set(1);

        access.info("lost");
        await().atMost(Duration.ofSeconds(5)).until(() -> !errors().isEmpty());
        access.info("written");

        await().atMost(Duration.ofSeconds(5)).until(() -> console.text().equals("written\n"));
        assertThat(errors()).singleElement().satisfies(status -> {
            assertThat(status.getMessage()).contains("Could not write 1 access line(s) to the console (1 lost so far)");
            assertThat(status.getThrowable()).hasMessage("console gone");
        });
    }

    @Test
    void writesOnTheCallersThreadWhenTheWriterHasDied() {
        started(AccessLineWriter.DEFAULT_CAPACITY, Duration.ofSeconds(5));
        console.fatal.set(true);
        access.info("kills the writer");
        await().atMost(Duration.ofSeconds(5)).until(() -> errors().stream()
                .anyMatch(status -> status.getMessage().contains("has died")));

        access.info("still written");

        assertThat(console.text()).isEqualTo("still written\n");
    }

    private List<Status> errors() {
        return statuses(status -> status.getLevel() == Status.ERROR);
    }

    private List<Status> statuses(Predicate<Status> which) {
        return context.getStatusManager().getCopyOfStatusList().stream().filter(which).toList();
    }

    /**
     * A real file that remembers each write call; held, it makes writers wait until it is released
     * (a console nobody reads); it can fail a write or kill its writer on demand; closed, it refuses.
     */
    private static final class RecordingFile extends OutputStream {
        final Path path;
        private final List<byte[]> writes = new ArrayList<>();
        final AtomicInteger blocked = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicBoolean fatal = new AtomicBoolean();
        final FileOutputStream file;
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private volatile boolean closed;

        RecordingFile(Path path) throws IOException {
            this.path = path;
            this.file = new FileOutputStream(path.toFile());
        }

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        @Override
        public void close() {
            closed = true;
        }

        synchronized List<byte[]> writes() {
            return List.copyOf(writes);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (fatal.compareAndSet(true, false)) {
                throw new StackOverflowError("a writer thread's death");
            }
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("console gone");
            }
            CountDownLatch waitFor = gate;
            if (waitFor.getCount() > 0) {
                blocked.incrementAndGet();
                try {
                    if (!waitFor.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("never opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                } finally {
                    blocked.decrementAndGet();
                }
            }
            if (closed) {
                throw new IOException("Stream Closed");
            }
            synchronized (this) {
                file.write(bytes, offset, length);
                writes.add(Arrays.copyOfRange(bytes, offset, offset + length));
            }
        }

        synchronized String text() {
            StringBuilder text = new StringBuilder();
            for (byte[] write : writes) {
                text.append(new String(write, StandardCharsets.UTF_8));
            }
            return text.toString();
        }
    }
}
