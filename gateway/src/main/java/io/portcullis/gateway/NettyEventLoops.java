package io.portcullis.gateway;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One set of Netty event loops ({@code netty-io-N}, one per core, on a {@link NettyTransport}) for the
 * data plane's connections and the upstream client's. A client-API request's virtual thread is
 * started by the loop that read the request and woken by the loop that read the backend's answer;
 * each loop hands its tasks to the virtual-thread scheduler through a submission queue of its own.
 * With one set of loops, new requests and woken ones share those queues and take their turns in
 * the order they came. With two sets, a saturated replica kept serving the queue of new requests
 * and left the woken ones waiting: on one CPU at three times its capacity, a request's thread
 * started 6 ms after its arrival but ran again 260–520 ms after its answer had come; with one set,
 * 5–6 ms both (docs/performance.md, "Seventh pass").
 *
 * <p>Within the set, a request's upstream call goes through the loop that serves its client's
 * connection ({@link #CLIENT_LOOP}, {@link #home()}), so one loop carries the request both ways.
 */
public final class NettyEventLoops implements AutoCloseable {

    /**
     * The event loop serving the client connection whose request the current thread serves: the
     * data plane binds it around each request's thread, the upstream client reads it.
     */
    public static final ScopedValue<EventLoop> CLIENT_LOOP = ScopedValue.newInstance();

    private final NettyTransport transport;
    private final EventLoopGroup group;

    /** The gateway's shared loops, threads {@code netty-io-N}, on the best transport this system has. */
    public NettyEventLoops(int threads) {
        this(threads, NettyTransport.of(NettyTransport.Choice.AUTO));
    }

    /** The gateway's shared loops, threads {@code netty-io-N}, on the given transport. */
    public NettyEventLoops(int threads, NettyTransport transport) {
        this("netty-io", threads, transport);
    }

    /** Loops of their own, threads {@code <name>-N} (a data plane given its own with {@code event-loops}). */
    public NettyEventLoops(String name, int threads) {
        this(name, threads, NettyTransport.of(NettyTransport.Choice.AUTO));
    }

    /** Loops on the given transport, threads {@code <name>-N}. */
    public NettyEventLoops(String name, int threads, NettyTransport transport) {
        this.transport = transport;
        this.group = new MultiThreadIoEventLoopGroup(threads, threads(name), transport.ioHandlers());
    }

    /**
     * The loop of this set serving the current thread's client connection ({@link #CLIENT_LOOP}),
     * or null: no client connection, or one served by loops of its own
     * ({@code gateway.data-plane.event-loops} set).
     */
    public EventLoop home() {
        EventLoop loop = CLIENT_LOOP.isBound() ? CLIENT_LOOP.get() : null;
        return loop != null && loop.parent() == group ? loop : null;
    }

    /** The loops; whoever uses them closes its own channels, never the group. */
    public EventLoopGroup group() {
        return group;
    }

    /** What the loops run on: the channels registered with them must be of its kind. */
    public NettyTransport transport() {
        return transport;
    }

    private static ThreadFactory threads(String name) {
        var count = new AtomicInteger();
        return task -> {
            Thread thread = new FastThreadLocalThread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** After the data plane and the upstream client have closed their channels. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
