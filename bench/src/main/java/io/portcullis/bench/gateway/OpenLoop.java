package io.portcullis.bench.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load at a fixed rate: request {@code i} is due at {@code start + i / rate} whether or
 * not earlier ones have answered, and its latency is counted from when it was due, so a stall
 * (of the target or of this generator) shows up in the percentiles instead of slowing the load (no
 * coordinated omission). Records the gateway's {@code x-portcullis-overhead-us} header too when the
 * answer has one.
 *
 * <p>Answers are kept apart by status: 200s (admitted: {@code p50}, {@code p99}, ...), 503s (shed:
 * {@code shed}, {@code shed_p50}, {@code shed_p99}) and anything else, no answer within 10 s, or a
 * connection that failed ({@code other}). At most {@code MAX_IN_FLIGHT} requests are outstanding: one
 * due while that many wait is not sent and counted as {@code unsent} (a failure of the target, which
 * held them), so an overloaded target cannot make the generator run out of memory or sockets.
 *
 * <p>Why Netty on one event loop: the generator shares a CPU with its target in the overload phase,
 * and the JDK HttpClient on virtual threads (the previous generator) alone had a p99 of 168 ms at
 * 3,000 req/s on one CPU, more than the gateway is allowed. Here one thread does everything: it
 * sends what is due, writes one request encoded once, reads the status and one header, and skips
 * the body ({@link AnswerParser}), so its own floor stays in the low milliseconds. A due request goes on an idle
 * keep-alive connection (the most recently used, so few stay warm), else on a new one.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.OpenLoop \
 *     URL BODY_FILE RATE SECONDS [WARMUP_SECONDS] [BEARER_KEY] [MAX_IN_FLIGHT]</pre>
 *
 * Prints one line of {@code name=value} pairs (latencies in microseconds); {@code failed} is every
 * request that did not get a 200 ({@code shed + other + unsent}). On stderr: how late the generator
 * itself sent ({@code send_lag_*}) and how many connections it opened.
 */
public final class OpenLoop {

    /** A request with no complete answer after this long counts as {@code other}; its connection is closed. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(60);

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final ByteBuf request;
    private final int rate;
    private final int seconds;
    private final int maxInFlight;
    private final long answerTimeoutNanos;
    private final long warmupRequests;
    private final long totalRequests;
    private final Runnable sendDue = this::sendDue;
    private final CompletableFuture<String> report = new CompletableFuture<>();

    // all below: the event loop's alone
    /** Idle keep-alive connections, most recently used first. */
    private final ArrayDeque<OpenLoopConnection> idle = new ArrayDeque<>();
    private final Histogram admitted = histogram();
    private final Histogram shedLatency = histogram();
    private final Histogram overhead = histogram();
    private final Histogram sendLag = histogram();
    /** Connections waiting for an answer, in no order (a swap removes one), for the timeout sweep. */
    private OpenLoopConnection[] busy = new OpenLoopConnection[64];
    private int busyCount;
    private long start;
    private long next;
    private int inFlight;
    private long ok;
    private long shed;
    private long other;
    private long unsent;
    private long connectionsOpened;

    private OpenLoop(EventLoop loop, boolean epoll, URI url, ByteBuf request, int rate, int warmup, int seconds,
                     int maxInFlight, Duration answerTimeout) {
        this.loop = loop;
        this.request = request;
        this.rate = rate;
        this.seconds = seconds;
        this.maxInFlight = maxInFlight;
        this.answerTimeoutNanos = answerTimeout.toNanos();
        this.warmupRequests = (long) rate * warmup;
        this.totalRequests = (long) rate * (warmup + seconds);
        this.bootstrap = new Bootstrap().group(loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .remoteAddress(url.getHost(), url.getPort() == -1 ? 80 : url.getPort())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new OpenLoopConnection(OpenLoop.this));
                    }
                });
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        byte[] body = Files.readAllBytes(Path.of(args[1]));
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        String key = args.length > 5 ? args[5] : "none";
        int maxInFlight = args.length > 6 ? Integer.parseInt(args[6]) : 20_000;

        System.out.println(run(url, body, rate, seconds, warmup, key, maxInFlight, ANSWER_TIMEOUT));
    }

    /** Runs the warm-up and the measured seconds on a loop of its own; returns the line {@link #main} prints. */
    static String run(URI url, byte[] body, int rate, int seconds, int warmup, String key, int maxInFlight,
                      Duration answerTimeout) throws InterruptedException, ExecutionException {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        ByteBuf request = encode(url, body, key);
        try {
            var run = new OpenLoop(group.next(), epoll, url, request, rate, warmup, seconds, maxInFlight,
                    answerTimeout);
            run.loop.execute(run::begin);
            return run.report.get();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            request.release();
        }
    }

    /** The whole request, head and body, encoded once; every send writes a duplicate of it. */
    static ByteBuf encode(URI url, byte[] body, String key) {
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "host: " + url.getHost() + (url.getPort() == -1 ? "" : ":" + url.getPort()) + "\r\n"
                + "content-type: application/json\r\n"
                + "authorization: Bearer " + key + "\r\n"
                + "content-length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(headBytes.length + body.length).writeBytes(headBytes).writeBytes(body);
    }

    ByteBuf request() {
        return request.retainedDuplicate();
    }

    long answerTimeoutNanos() {
        return answerTimeoutNanos;
    }

    private void begin() {
        start = System.nanoTime();
        // one sweep for all timeouts instead of a timer per request: nothing allocated per send
        long sweepNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(100), answerTimeoutNanos / 10);
        loop.scheduleAtFixedRate(this::sweep, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
        sendDue();
    }

    /** Sends every request that is due, then waits on the loop's timer for the next one. */
    private void sendDue() {
        while (next < totalRequests) {
            long due = start + next * 1_000_000_000L / rate;
            long now = System.nanoTime();
            if (due > now) {
                loop.schedule(sendDue, due - now, TimeUnit.NANOSECONDS);
                return;
            }
            boolean measured = next++ >= warmupRequests;
            if (measured) {
                record(sendLag, (now - due) / 1_000);
            }
            dispatch(due, measured);
        }
        awaitAnswers(System.nanoTime() + answerTimeoutNanos + TimeUnit.SECONDS.toNanos(1));
    }

    private void dispatch(long due, boolean measured) {
        if (inFlight >= maxInFlight) {
            // the target holds MAX_IN_FLIGHT already: not sending keeps the schedule honest
            if (measured) {
                unsent++;
            }
            return;
        }
        inFlight++;
        OpenLoopConnection connection;
        while ((connection = idle.pollFirst()) != null) {
            if (connection.usable()) {
                connection.send(due, measured);
                return;
            }
        }
        connectionsOpened++;
        bootstrap.connect().addListener((ChannelFutureListener) connected -> {
            if (connected.isSuccess()) {
                connected.channel().pipeline().get(OpenLoopConnection.class).send(due, measured);
            } else {
                failed(measured);
            }
        });
    }

    /** A request went out on {@code connection}: it waits for the answer from now. */
    void waiting(OpenLoopConnection connection) {
        if (busyCount == busy.length) {
            busy = Arrays.copyOf(busy, busyCount * 2);
        }
        connection.busyIndex(busyCount);
        busy[busyCount++] = connection;
    }

    /** {@code connection} waits no more: answered, failed or timed out. */
    void done(OpenLoopConnection connection) {
        int at = connection.busyIndex();
        OpenLoopConnection last = busy[--busyCount];
        busy[at] = last;
        last.busyIndex(at);
        busy[busyCount] = null;
        connection.busyIndex(-1);
    }

    private void sweep() {
        long now = System.nanoTime();
        for (int i = busyCount - 1; i >= 0; i--) { // from the end: a removal moves an already-seen one here
            if (now - busy[i].sentAt() > answerTimeoutNanos) {
                busy[i].timedOut();
            }
        }
    }

    /** A keep-alive connection whose answer is complete, ready for the next due request. */
    void idle(OpenLoopConnection connection) {
        idle.addFirst(connection);
    }

    /** A complete answer to a request that was due at {@code due}; {@code overheadMicros} is -1 without the header. */
    void answered(boolean measured, int status, long due, long overheadMicros) {
        inFlight--;
        if (!measured) {
            return;
        }
        long micros = (System.nanoTime() - due) / 1_000;
        switch (status) {
            case 200 -> {
                ok++;
                record(admitted, micros);
                if (overheadMicros >= 0) {
                    record(overhead, overheadMicros);
                }
            }
            case 503 -> {
                shed++;
                record(shedLatency, micros);
            }
            default -> other++;
        }
    }

    /** A request that got no complete answer: its connection failed, closed or timed out. */
    void failed(boolean measured) {
        inFlight--;
        if (measured) {
            other++;
        }
    }

    /** Reports once every measured request has settled, or at the deadline (the rest count as unanswered). */
    private void awaitAnswers(long deadline) {
        if (ok + shed + other + unsent < (long) rate * seconds && System.nanoTime() < deadline) {
            loop.schedule(() -> awaitAnswers(deadline), 10, TimeUnit.MILLISECONDS);
            return;
        }
        System.err.printf("send_lag_p50=%d send_lag_p99=%d send_lag_max=%d connections_opened=%d%n",
                sendLag.getValueAtPercentile(50), sendLag.getValueAtPercentile(99), sendLag.getMaxValue(),
                connectionsOpened);
        report.complete(line());
    }

    private String line() {
        long sent = (long) rate * seconds;
        long lost = sent - (ok + shed + other + unsent);
        return String.format("rate=%d seconds=%d sent=%d ok=%d failed=%d unanswered=%d p50=%d p90=%d p99=%d p999=%d max=%d"
                        + " mean=%.0f overhead_n=%d overhead_p50=%d overhead_p90=%d overhead_p99=%d overhead_max=%d"
                        + " shed=%d shed_p50=%d shed_p99=%d shed_max=%d other=%d unsent=%d max_in_flight=%d",
                rate, seconds, sent, ok, shed + other + unsent, lost,
                admitted.getValueAtPercentile(50), admitted.getValueAtPercentile(90),
                admitted.getValueAtPercentile(99), admitted.getValueAtPercentile(99.9), admitted.getMaxValue(),
                admitted.getMean(), overhead.getTotalCount(), overhead.getValueAtPercentile(50),
                overhead.getValueAtPercentile(90), overhead.getValueAtPercentile(99), overhead.getMaxValue(),
                shed, shedLatency.getValueAtPercentile(50), shedLatency.getValueAtPercentile(99),
                shedLatency.getMaxValue(), other, unsent, maxInFlight);
    }

    private static Histogram histogram() {
        return new Histogram(MAX_MICROS, 3);
    }

    private static void record(Histogram histogram, long micros) {
        histogram.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }
}
