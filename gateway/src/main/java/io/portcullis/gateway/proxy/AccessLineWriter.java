package io.portcullis.gateway.proxy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.util.SimpleTimeBasedGuard;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The access line's console appender: the line is encoded on the request's thread, as before, and
 * written by one platform thread ({@value #THREAD_NAME}) in batches of whole lines.
 *
 * <p>Why: written where it is logged, every request made its own {@code write(2)} of about 270 bytes
 * under the appender's lock, and under load that was most of the gateway's syscalls and a lock the
 * carrier threads fought over. Here a request only encodes its line and puts it on a queue; the writer
 * takes whatever is queued and writes it in as few calls as it can, then rests for
 * {@link #PAUSE_NANOS} (10 ms) so that the lines arriving meanwhile go out together: at most a
 * hundred writes and wake-ups a second however busy the gateway is. A line logged while the writer
 * waits on an empty queue is written at once, so an idle gateway's line appears immediately (nginx's
 * {@code access_log buffer= flush=}, with a flush of 10 ms). The rest was 1 ms first; at a moderate
 * rate (1,000 requests a second) that still meant one write and one wake-up per request, the most of
 * any thread but the event loops and carriers.
 *
 * <p>What it keeps:
 * <ul>
 *   <li>Whole lines, never interleaved: every write carries whole lines only and at most
 *       {@value #MAX_WRITE_BYTES} bytes, the size up to which a write to a pipe is atomic (PIPE_BUF;
 *       in Kubernetes stdout is a pipe that the root console appender and the JVM itself write to as
 *       well). A single line longer than that is written alone. The stream is flushed after each
 *       write, so a buffer underneath cannot merge two writes into a larger one. Through
 *       {@code System.out} (a {@code PrintStream} over a 128-byte {@code BufferedOutputStream}) a
 *       write of 128 bytes or more goes to {@code write(2)} as it is, in one call.</li>
 *   <li>Every line: when the queue is full, the caller waits for room (back-pressure, as the
 *       synchronous appender made it wait for the console). An interrupt does not cut the wait short:
 *       the line is queued and the interrupt kept for the caller.</li>
 *   <li>The order of each thread's lines: the writer takes them in queue order and only one party
 *       writes at a time.</li>
 *   <li>The lines queued at shutdown: {@link #stop()} (logback stops its context in Spring Boot's
 *       shutdown hook) lets the writer write everything queued, waiting at most the stop wait (5 s),
 *       then reports what is left as an error status if the console would not take it. A line logged
 *       while it stops is written by its caller once the writer has finished. After stop, the appender
 *       refuses lines as every stopped logback appender does, with a warning status.</li>
 *   <li>Failures as logback reports them: a write that throws is reported with {@code addError}
 *       (rated as logback rates its appenders' exceptions, with the count of lines lost so far), the
 *       lines of that write are lost, and the writer carries on with the next ones.</li>
 * </ul>
 *
 * <p>It is an {@link OutputStreamAppender} for its encoder and output stream; the way it writes (one
 * write per event under the appender's lock) is replaced by the queue and the writer, which use their
 * own lock so that stopping never waits on a stuck write.
 */
final class AccessLineWriter extends OutputStreamAppender<ILoggingEvent> {

    /** PIPE_BUF on Linux: the largest write to a pipe that other writers cannot split. */
    static final int MAX_WRITE_BYTES = 4096;
    static final int DEFAULT_CAPACITY = 16_384;
    static final Duration DEFAULT_STOP_WAIT = Duration.ofSeconds(5);
    static final String THREAD_NAME = "access-log-writer";
    /** The writer's rest after each write, so that lines arriving under load are written together. */
    static final long PAUSE_NANOS = 10_000_000;
    /** Put by {@link #stop()} to wake a writer waiting on an empty queue; written as nothing. */
    private static final byte[] WAKE = new byte[0];

    private final OutputStream target;
    private final BlockingQueue<byte[]> queue;
    private final Duration stopWait;
    /** Held by whoever writes to the target: the writer, or callers once the writer has gone. */
    private final ReentrantLock writing = new ReentrantLock();
    private final byte[] chunk = new byte[MAX_WRITE_BYTES];
    private final SimpleTimeBasedGuard errorGuard = new SimpleTimeBasedGuard();
    /** Written only while holding {@link #writing}. */
    private long linesLost;
    private volatile boolean closing;
    /** Set by the writer as it ends; from then on callers write their lines themselves. */
    private volatile boolean writerGone;
    private Thread writer;

    /** Writes to {@code target}, the console appender's stream ({@code System.out} or {@code System.err}). */
    AccessLineWriter(OutputStream target) {
        this(target, DEFAULT_CAPACITY, DEFAULT_STOP_WAIT);
    }

    AccessLineWriter(OutputStream target, int capacity, Duration stopWait) {
        this.target = target;
        this.queue = new LinkedBlockingQueue<>(capacity);
        this.stopWait = stopWait;
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        if (writer != null && writer.isAlive()) {
            addError("The writer of appender [" + name + "] is still writing the lines of its last run; not restarted");
            return;
        }
        closing = false;
        writerGone = false;
        setOutputStream(target);
        super.start();
        if (isStarted()) {
            writer = Thread.ofPlatform().name(THREAD_NAME).daemon()
                    .uncaughtExceptionHandler((thread, e) -> addError("The writer of appender [" + name
                            + "] has died; callers write their lines themselves", e))
                    .start(this::writeUntilClosed);
        }
    }

    /**
     * On the caller's thread: encode (the same bytes the console appender wrote), then queue. The
     * event itself is not kept, so it needs no {@code prepareForDeferredProcessing} (an MDC copy).
     */
    @Override
    protected void subAppend(ILoggingEvent event) {
        byte[] line = encoder.encode(event);
        if (!writerGone) {
            enqueue(line);
            if (!writerGone) {
                return;
            }
            line = null; // queued, but the writer ended meanwhile: if it did not take it, the drain below does
        }
        writing.lock();
        try {
            writeQueued();
            if (line != null) {
                writeAll(List.of(line));
            }
        } finally {
            writing.unlock();
        }
    }

    private void enqueue(byte[] line) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(line);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the line still goes out; the caller gets its interrupt back
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The writer thread: waits for a line, then writes it and everything queued behind it. */
    private void writeUntilClosed() {
        List<byte[]> batch = new ArrayList<>();
        try {
            while (true) {
                byte[] first = closing ? queue.poll() : queue.take();
                if (first == null) {
                    return; // closing, and nothing left
                }
                batch.add(first);
                queue.drainTo(batch);
                writing.lock();
                try {
                    writeAll(batch);
                } finally {
                    writing.unlock();
                }
                batch.clear();
                if (!closing) {
                    // Lets the next lines gather: woken for every line, the writer cost a futex call
                    // and half a context switch per request under load (perf, 16k req/s), more than
                    // the write it saved. A line logged while the gateway is idle still goes out at
                    // once (the take above); under load one waits at most this pause.
                    LockSupport.parkNanos(PAUSE_NANOS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // nobody interrupts it; ends as if closing
        } finally {
            writerGone = true;
            writing.lock();
            try {
                writeQueued(); // lines queued by callers that had not yet seen writerGone
            } finally {
                writing.unlock();
            }
        }
    }

    private void writeQueued() {
        List<byte[]> left = new ArrayList<>();
        queue.drainTo(left);
        writeAll(left);
    }

    /** Writes the lines in order, packed into as few writes of whole lines as fit in {@value #MAX_WRITE_BYTES} bytes. */
    private void writeAll(List<byte[]> lines) {
        int length = 0;
        int count = 0;
        for (byte[] line : lines) {
            if (line.length == 0) {
                continue; // WAKE
            }
            if (length + line.length > MAX_WRITE_BYTES && count > 0) {
                write(chunk, length, count);
                length = 0;
                count = 0;
            }
            if (line.length > MAX_WRITE_BYTES) {
                write(line, line.length, 1); // cannot be atomic: at least alone
                continue;
            }
            System.arraycopy(line, 0, chunk, length, line.length);
            length += line.length;
            count++;
        }
        if (count > 0) {
            write(chunk, length, count);
        }
    }

    private void write(byte[] bytes, int length, int lines) {
        try {
            target.write(bytes, 0, length);
            target.flush();
        } catch (IOException | RuntimeException e) {
            linesLost += lines;
            if (errorGuard.allow()) {
                addError("Could not write " + lines + " access line(s) to the console (" + linesLost
                        + " lost so far); carrying on", e);
            }
        }
    }

    /**
     * Lets the writer write everything queued, waiting at most the stop wait, then stops as an
     * {@link OutputStreamAppender} does. Lines still queued after the wait are reported, not dropped
     * silently; the writer (a daemon) goes on writing them if the console takes them later.
     */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        closing = true;
        queue.offer(WAKE);
        try {
            writer.join(stopWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            addError(queue.stream().filter(line -> line != WAKE).count() + " access line(s) still queued after waiting " + stopWait.toMillis()
                    + " ms for the console at stop; the writer goes on with them");
        }
        super.stop();
    }

    /** Not while the writer is still at it: a console that takes the lines late should still get them. */
    @Override
    protected void closeOutputStream() {
        if (writer == null || !writer.isAlive()) {
            super.closeOutputStream();
        }
    }
}
