package io.portcullis.gateway.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.web.QueueingDelay;
import java.io.IOException;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client API served on the data plane: each request gets a virtual thread of its own that
 * runs the blocking request path ({@link ClientApiHandler}) against a {@link NettyExchange}. The
 * thread is carried by the event loop that read the request, or by the shared carriers
 * ({@link RequestThreads} says which and why); either way its waits never hold the loop. The
 * thread starts once the read that brought the head is over ({@link Start}), so a body that came
 * with its head is already there when the thread reads it.
 *
 * <p>The time from the hand-over ({@link Start}) to that thread's first instruction is the
 * request's wait for a carrier: under load, the queue of runnable virtual threads (its loop's
 * tasks, when the loop carries it). It is kept on the exchange ({@link NettyExchange#waitedNanos()})
 * and, when shedding is on, reported to {@link QueueingDelay}, which then judges the request by it
 * before anything is read. While the latest requests came late to their threads, a new one is
 * refused as it arrives, on the event loop ({@link QueueingDelay#shedsOnArrival}): the refusal then
 * costs no thread and no place in the queue.
 */
final class ClientApiRoute implements Route {

    private static final Logger log = LoggerFactory.getLogger(ClientApiRoute.class);

    private final ClientApiHandler handler;
    private final DataPlaneProperties properties;
    /** Where waits are reported; null when shedding is off (nothing is recorded, so nothing is shed). */
    private final QueueingDelay queueing;
    /** Where each request's thread runs: its event loop, or the shared carriers. */
    private final RequestThreads threads;

    ClientApiRoute(ClientApiHandler handler, DataPlaneProperties properties, QueueingDelay queueing) {
        this.handler = handler;
        this.properties = properties;
        this.queueing = queueing;
        this.threads = RequestThreads.of(properties.requestThreads());
    }

    boolean serves(String path) {
        return handler.serves(path);
    }

    @Override
    public RequestSink begin(Channel client, HttpRequest head, String clientAddress, String requestId,
                             Consumer<Boolean> answered) {
        var exchange = new NettyExchange(client, head, clientAddress, requestId, properties);
        if (queueing != null && queueing.shedsOnArrival(System.nanoTime())) {
            answered.accept(shedOnArrival(exchange));
            return exchange.sink();
        }
        return new Start(exchange, client.eventLoop(), threads.forRequest(head, client.eventLoop()), answered);
    }

    /**
     * Hands the request to its thread once the read that brought its head is over (or its body has
     * ended), not at the head: a small body nearly always comes in the same read, and a thread
     * started at the head would find it not yet passed on, park, and be woken again for it (two
     * hand-offs to the carriers instead of one, and a timed wait). A body still on its way is read
     * by the thread as it comes, as before.
     */
    private final class Start implements RequestSink {

        private final NettyExchange exchange;
        private final EventLoop loop;
        private final ThreadFactory threads;
        private final RequestSink body;
        private final Consumer<Boolean> answered;
        private boolean started;

        Start(NettyExchange exchange, EventLoop loop, ThreadFactory threads, Consumer<Boolean> answered) {
            this.exchange = exchange;
            this.loop = loop;
            this.threads = threads;
            this.body = exchange.sink();
            this.answered = answered;
        }

        @Override
        public void content(HttpContent part) {
            // a broken part ends the body too: the reader answers it with a 400
            boolean last = part instanceof LastHttpContent || part.decoderResult().isFailure();
            body.content(part);
            if (last) {
                start();
            }
        }

        @Override
        public boolean answersBrokenBody() {
            return body.answersBrokenBody();
        }

        @Override
        public void readComplete() {
            start();
        }

        @Override
        public void clientClosed() {
            body.clientClosed();
            start(); // served as any request whose client left: it ends, is logged and metered
        }

        private void start() {
            if (started) {
                return;
            }
            started = true;
            long handedOver = System.nanoTime();
            threads.newThread(() -> {
                long began = System.nanoTime(); // first: anything before it would count as queueing
                exchange.waited(began - handedOver);
                if (queueing != null) {
                    queueing.record(began - handedOver, began);
                }
                // the upstream call then goes through the loop that serves this client
                ScopedValue.where(NettyEventLoops.CLIENT_LOOP, loop).run(() -> answered.accept(serve(exchange)));
            }).start();
        }
    }

    /**
     * The 503 for a request refused as it arrived, written here on the event loop: no thread is
     * started for it and it takes no place in the queue that the admitted requests wait in.
     *
     * @return whether the connection may carry another request
     */
    private boolean shedOnArrival(NettyExchange exchange) {
        try {
            handler.shedOnArrival(exchange);
            return exchange.end();
        } catch (IOException | RuntimeException e) {
            log.debug("Client-API request {} refused on arrival, and the refusal failed: {}", exchange.requestId(),
                    e.toString());
            return exchange.fail(e);
        }
    }

    /** @return whether the connection may carry another request */
    private boolean serve(NettyExchange exchange) {
        try {
            handler.serve(exchange);
            return exchange.end();
        } catch (IOException e) {
            // the client left or stopped sending: nothing of the server is broken
            log.debug("Client-API request {} ended early: {}", exchange.requestId(), e.toString());
            return exchange.fail(e);
        } catch (RuntimeException | Error e) {
            log.error("Client-API request {} failed", exchange.requestId(), e);
            return exchange.fail(e);
        }
    }
}
