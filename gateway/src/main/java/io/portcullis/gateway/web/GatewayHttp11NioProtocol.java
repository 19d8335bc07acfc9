package io.portcullis.gateway.web;

import java.util.concurrent.Executor;
import org.apache.coyote.Processor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.NioChannel;

/**
 * Tomcat's HTTP/1.1 NIO connector without per-processor JMX registration, and with a smaller
 * response buffer.
 *
 * <p>Tomcat registers every request processor it creates (an {@code ObjectName} built and a
 * request-statistics entry added) inside a monitor on the connection handler, even when the
 * MBean registry is disabled, as Spring Boot leaves it. Under virtual threads a burst that needs
 * new processors turned that monitor into a convoy: each hand-over waited for the next owner to
 * get a carrier behind thousands of runnable requests, and one overload test found 3,520 of
 * 12,775 threads queued there while the heap filled (docs/performance.md, finding 12). The
 * statistics it feeds are only readable through JMX, which is off; the gateway's own meters
 * time every request.
 *
 * <p>Every request in flight, every open stream included, holds its response's buffer: 8 K bytes
 * and 8 K chars (24 KiB) by default, allocated up front. The gateway writes a whole answer in one
 * call and flushes each stream event as it comes, so a larger buffer would only hold bytes on
 * their way out; {@value #RESPONSE_BUFFER_BYTES} bytes save 18 KiB per stream.
 *
 * <p>When shedding on queueing time is on ({@link #measureQueueing}), every task the connector
 * hands its executor is timed from hand-over to start: under virtual threads that is the wait for
 * a carrier thread, the queue a replica over capacity builds. The wait is reported to
 * {@link QueueingDelay} and kept for the request's thread ({@link #waitedNanos()}), so the client
 * API can refuse the request before reading it. Everything else is Tomcat's.
 */
public class GatewayHttp11NioProtocol extends Http11NioProtocol {

    /** The servlet response buffer ({@code ServletResponse.getBufferSize()}) of every request. */
    static final int RESPONSE_BUFFER_BYTES = 2048;

    /** The current dispatch on this thread, while it runs: its wait is the request's. */
    private static final ThreadLocal<TimedTask> CURRENT = new ThreadLocal<>();

    private volatile QueueingDelay queueing;

    public GatewayHttp11NioProtocol() {
        ConnectionHandler<NioChannel> handler = new UnregisteredConnectionHandler(this);
        setHandler(handler);
        getEndpoint().setHandler(handler);
    }

    @Override
    public int getDesiredBufferSize() {
        return RESPONSE_BUFFER_BYTES;
    }

    /** From now on, time every dispatch and report its wait to {@code queueing}. */
    public void measureQueueing(QueueingDelay queueing) {
        this.queueing = queueing;
    }

    /**
     * How long the dispatch running on this thread waited for it, in nanoseconds; 0 when not
     * measured (shedding off, or not a connector thread). Requests a connection pipelines share
     * their dispatch's wait.
     */
    public static long waitedNanos() {
        TimedTask task = CURRENT.get();
        return task == null ? 0 : task.waitedNanos;
    }

    /** Spring Boot sets the (virtual-thread) executor; it is wrapped whatever order customizers run in. */
    @Override
    public void setExecutor(Executor executor) {
        super.setExecutor(executor == null || executor instanceof TimingExecutor ? executor : new TimingExecutor(executor, this));
    }

    private record TimingExecutor(Executor delegate, GatewayHttp11NioProtocol protocol) implements Executor {
        @Override
        public void execute(Runnable task) {
            QueueingDelay queueing = protocol.queueing;
            delegate.execute(queueing == null ? task : new TimedTask(task, queueing, System.nanoTime()));
        }
    }

    private static final class TimedTask implements Runnable {
        private final Runnable task;
        private final QueueingDelay queueing;
        private final long handedOverNanos;
        private long waitedNanos;

        TimedTask(Runnable task, QueueingDelay queueing, long handedOverNanos) {
            this.task = task;
            this.queueing = queueing;
            this.handedOverNanos = handedOverNanos;
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            waitedNanos = now - handedOverNanos;
            queueing.record(waitedNanos, now);
            CURRENT.set(this);
            try {
                task.run();
            } finally {
                CURRENT.remove();
            }
        }
    }

    private static final class UnregisteredConnectionHandler extends ConnectionHandler<NioChannel> {

        UnregisteredConnectionHandler(GatewayHttp11NioProtocol protocol) {
            super(protocol);
        }

        @Override
        protected void register(Processor processor) {
            // nothing to publish: the MBean registry is disabled (see the class comment)
        }

        @Override
        protected void unregister(Processor processor) {
            // registered nowhere, so nothing to take back
        }
    }
}
