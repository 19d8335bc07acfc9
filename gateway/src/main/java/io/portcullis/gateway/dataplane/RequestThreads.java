package io.portcullis.gateway.dataplane;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.portcullis.gateway.dataplane.DataPlaneProperties.Placement;
import java.lang.reflect.Constructor;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a client-API request's virtual thread runs ({@code gateway.data-plane.request-threads}):
 * carried by the event loop that read the request, or by the JVM's shared carrier threads.
 *
 * <p>On its loop, a request is served where its bytes are. The loop starts the thread as one of its
 * own tasks, and when the thread parks for the backend's answer the loop goes back to its sockets;
 * the answer, read by the same loop (the upstream call goes through it,
 * {@link io.portcullis.gateway.NettyEventLoops#home()}), wakes the thread as another task of that
 * loop. No other thread is woken on the way, so the hand-overs cost no futex call, and a request
 * about a fifth less CPU (docs/performance.md, "Tenth pass").
 *
 * <p>The JDK has no public way to give virtual threads a scheduler. The builder that takes one
 * ({@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)}) needs
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED}; the jar's manifest carries it for
 * {@code java -jar}. Without it, requests run on the shared carriers, as with {@code shared}, and the
 * start says so once.
 *
 * <p>A thread on a loop must not hold it long, as every connection of the loop waits meanwhile.
 * Parking (for the backend, a lock, the database, a retry's backoff) hands the loop back; work that
 * does not park does not. So two kinds of request go to the shared carriers: an upload (its files
 * are written to disk as they are read, and file writes do not park), and a body declared over
 * {@link #LOOP_BODY_LIMIT} or of unknown length (read and parsed on the thread). A thread whose
 * loop has shut down while it was parked is carried on by the common pool, so that it still ends
 * and is billed.
 */
final class RequestThreads {

    /** The largest body a request may declare and still run on its loop: its JSON parses in a few milliseconds at most. */
    static final long LOOP_BODY_LIMIT = 1024 * 1024;
    static final String BUILDER_CLASS = "java.lang.ThreadBuilders$VirtualThreadBuilder";

    private static final Logger log = LoggerFactory.getLogger(RequestThreads.class);

    private final ThreadFactory shared = Thread.ofVirtual().name("client-api-", 0).factory();
    /** The JDK's builder that takes a scheduler, or null: shared carriers only. */
    private final Constructor<?> loopBuilder;
    /** Each loop's factory, kept by the loop's own thread (a builder, unlike a factory, is not shareable). */
    private final FastThreadLocal<ThreadFactory> onLoop = new FastThreadLocal<>();

    private RequestThreads(Constructor<?> loopBuilder) {
        this.loopBuilder = loopBuilder;
    }

    /** As configured; {@code event-loop} falls back to the shared carriers where the JDK's builder is closed. */
    static RequestThreads of(Placement placement) {
        return of(placement, BUILDER_CLASS);
    }

    static RequestThreads of(Placement placement, String builderClass) {
        if (placement == Placement.SHARED) {
            return new RequestThreads(null);
        }
        try {
            Constructor<?> builder = Class.forName(builderClass).getDeclaredConstructor(Executor.class);
            builder.setAccessible(true);
            return new RequestThreads(builder);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Client-API requests run on the shared carrier threads, not on their event loops: the JVM "
                    + "keeps its virtual-thread builder closed ({}). Start it with --add-opens "
                    + "java.base/java.lang=ALL-UNNAMED (java -jar reads it from the jar's manifest), or set "
                    + "{}.request-threads=shared to say this is meant.", e.toString(), DataPlaneProperties.PREFIX);
            return new RequestThreads(null);
        }
    }

    /** Whether requests may run on their event loops (the JDK's builder is open to the gateway). */
    boolean onLoops() {
        return loopBuilder != null;
    }

    /**
     * The threads for a request whose head {@code loop} has just read, called on that loop: the loop's
     * own, unless the request would hold the loop long (an upload, a large or unmeasured body).
     */
    ThreadFactory forRequest(HttpRequest head, EventLoop loop) {
        if (loopBuilder == null || !loop.inEventLoop() || holdsLoopLong(head)) {
            return shared;
        }
        ThreadFactory threads = onLoop.get();
        if (threads == null) {
            threads = carriedBy(loop);
            onLoop.set(threads);
        }
        return threads;
    }

    /** An upload, or a body over {@link #LOOP_BODY_LIMIT} or of unknown length (chunked). */
    static boolean holdsLoopLong(HttpRequest head) {
        String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && type.regionMatches(true, 0, "multipart/", 0, 10)) {
            return true;
        }
        if (HttpUtil.isTransferEncodingChunked(head)) {
            return true;
        }
        try {
            return HttpUtil.getContentLength(head, 0L) > LOOP_BODY_LIMIT;
        } catch (NumberFormatException e) {
            return true; // the reader answers it with a 400, off the loop
        }
    }

    private ThreadFactory carriedBy(EventLoop loop) {
        Executor scheduler = task -> {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                // the loop has shut down while the thread was parked: it still ends, elsewhere
                ForkJoinPool.commonPool().execute(task);
            }
        };
        try {
            return ((Thread.Builder.OfVirtual) loopBuilder.newInstance(scheduler)).name("client-api-", 0).factory();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("The JDK's virtual-thread builder refused a scheduler", e);
        }
    }
}
