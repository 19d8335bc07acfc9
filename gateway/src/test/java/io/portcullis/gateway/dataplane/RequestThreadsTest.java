package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.dataplane.DataPlaneProperties.Placement;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Where a request's virtual thread runs ({@code gateway.data-plane.request-threads}): carried by
 * the event loop that read it, which its waits hand back to the loop's other connections, or on the
 * shared carriers for what would hold a loop long. The test data plane has one loop,
 * {@code data-plane-io-1}.
 */
class RequestThreadsTest {

    private static final String LOOP = "@data-plane-io-1";

    @Test
    void aRequestRunsOnAVirtualThreadCarriedByTheLoopThatReadIt() throws Exception {
        try (var plane = new TestDataPlane(); var client = plane.connect()) {
            String thread = threadOf(client, "Content-Length: 2\r\n\r\nhi");
            assertThat(thread).startsWith("VirtualThread[").contains("client-api-").endsWith(LOOP);
        }
    }

    @Test
    void aRequestParkedOnItsLoopLeavesTheLoopToItsOtherConnections() throws Exception {
        try (var plane = new TestDataPlane(); var streaming = plane.connect(); var other = plane.connect()) {
            streaming.send("POST /v1/stream HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");
            var head = streaming.head();
            assertThat(new String(streaming.chunk(), StandardCharsets.UTF_8)).isEqualTo("data: first\n\n");

            // the stream's thread is parked until released, on the only loop there is
            assertThat(threadOf(other, "Content-Length: 0\r\n\r\n")).endsWith(LOOP);

            plane.handler.finishStream.countDown();
            assertThat(streaming.body(head)).isEqualTo("data: second\n\n");
        }
    }

    @Test
    void anUploadRunsOnTheSharedCarriersAsItsFilesGoToDisk() throws Exception {
        try (var plane = new TestDataPlane(); var client = plane.connect()) {
            String thread = threadOf(client,
                    "Content-Type: MultiPart/form-data; boundary=b\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(thread).startsWith("VirtualThread[").doesNotContain(LOOP);
        }
    }

    @Test
    void aBodyOverTheLimitOrOfUnknownLengthRunsOnTheSharedCarriers() throws Exception {
        try (var plane = new TestDataPlane(); var client = plane.connect()) {
            int size = (int) RequestThreads.LOOP_BODY_LIMIT + 1;
            client.send("POST /v1/thread HTTP/1.1\r\nHost: gw\r\nContent-Length: " + size + "\r\n\r\n");
            client.send(new byte[size]);
            var head = client.head();
            assertThat(client.body(head)).isEqualTo(Integer.toString(size));
            assertThat(head.header("x-thread")).startsWith("VirtualThread[").doesNotContain(LOOP);

            String chunked = threadOf(client, "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
            assertThat(chunked).startsWith("VirtualThread[").doesNotContain(LOOP);

            int limit = (int) RequestThreads.LOOP_BODY_LIMIT;
            client.send("POST /v1/thread HTTP/1.1\r\nHost: gw\r\nContent-Length: " + limit + "\r\n\r\n");
            client.send(new byte[limit]);
            var atLimit = client.head();
            client.body(atLimit);
            assertThat(atLimit.header("x-thread")).as("a body at the limit").endsWith(LOOP);
        }
    }

    @Test
    void sharedPutsEveryRequestOnTheSharedCarriers() throws Exception {
        try (var plane = TestDataPlane.placing(Placement.SHARED); var client = plane.connect()) {
            assertThat(threadOf(client, "Content-Length: 2\r\n\r\nhi")).startsWith("VirtualThread[")
                    .doesNotContain(LOOP);
        }
    }

    @Test
    void fallsBackToTheSharedCarriersWhenTheJdkKeepsItsBuilderClosed() throws Exception {
        var closed = RequestThreads.of(Placement.EVENT_LOOP, "java.lang.NoSuchThreadBuilder");
        assertThat(closed.onLoops()).isFalse();
        assertThat(RequestThreads.of(Placement.EVENT_LOOP).onLoops()).as("the build opens it, as the jar does")
                .isTrue();
        try (var loops = new NettyEventLoops("fallback-test", 1)) {
            EventLoop loop = loops.group().next();
            assertThat(startedOn(loop, closed)).doesNotContain("@fallback-test-1");
        }
    }

    @Test
    void aThreadWhoseLoopShutDownWhileItWasParkedStillEnds() throws Exception {
        var threads = RequestThreads.of(Placement.EVENT_LOOP);
        var release = new CountDownLatch(1);
        var carriers = new CompletableFuture<String>();
        var loops = new NettyEventLoops("closing-test", 1);
        EventLoop loop = loops.group().next();
        var first = new CompletableFuture<String>();
        loop.execute(() -> threads.forRequest(request(0), loop).newThread(() -> {
            first.complete(Thread.currentThread().toString());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            carriers.complete(Thread.currentThread().toString());
        }).start());
        assertThat(first.get(5, TimeUnit.SECONDS)).endsWith("@closing-test-1");

        loops.close();
        assertThat(loop.isTerminated()).isTrue();
        release.countDown();
        assertThat(carriers.get(5, TimeUnit.SECONDS)).doesNotContain("@closing-test-1");
    }

    @Test
    void judgesFromTheHeadWhatWouldHoldALoopLong() {
        assertThat(RequestThreads.holdsLoopLong(request(2))).isFalse();
        assertThat(RequestThreads.holdsLoopLong(request(RequestThreads.LOOP_BODY_LIMIT + 1))).isTrue();
        var noBody = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/models");
        assertThat(RequestThreads.holdsLoopLong(noBody)).isFalse();
        var garbled = request(2);
        garbled.headers().set("Content-Length", "12x");
        assertThat(RequestThreads.holdsLoopLong(garbled)).isTrue();
    }

    /** The thread a request on the loop would run on, started by the loop as the data plane does. */
    private static String startedOn(EventLoop loop, RequestThreads threads) throws Exception {
        var name = new CompletableFuture<String>();
        loop.execute(() -> {
            ThreadFactory factory = threads.forRequest(request(2), loop);
            factory.newThread(() -> name.complete(Thread.currentThread().toString())).start();
        });
        return name.get(5, TimeUnit.SECONDS);
    }

    private static DefaultHttpRequest request(long length) {
        var head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        head.headers().set("Content-Length", Long.toString(length));
        return head;
    }

    private static String threadOf(RawHttp client, String headersAndBody) throws Exception {
        client.send("POST /v1/thread HTTP/1.1\r\nHost: gw\r\n" + headersAndBody);
        var head = client.head();
        client.body(head);
        assertThat(head.status()).isEqualTo(200);
        return head.header("x-thread");
    }
}
