package io.portcullis.gateway.dataplane;

import io.portcullis.gateway.web.ClientExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A client API for the data plane's tests, one behaviour per path under {@code /v1/}: echo the
 * body, stream until told to finish, stream until the client leaves, read under a deadline. What
 * the handler saw is kept for the test to assert.
 */
final class ScriptedHandler implements ClientApiHandler {

    /** Released by a test to let {@code /v1/stream} write its second part and end. */
    final CountDownLatch finishStream = new CountDownLatch(1);
    /** How {@code /v1/endless} and {@code /v1/deadline} ended: the exception their I/O threw. */
    final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    /** Whether the handler of {@code /v1/stream} had returned when asked (set just before it returns). */
    volatile boolean streamReturned;

    @Override
    public boolean serves(String path) {
        return path.startsWith("/v1/");
    }

    @Override
    public void serve(ClientExchange exchange) throws IOException {
        switch (exchange.path()) {
            case "/v1/echo" -> echo(exchange);
            case "/v1/stream" -> stream(exchange);
            case "/v1/endless" -> endless(exchange);
            case "/v1/deadline" -> deadline(exchange);
            case "/v1/hold" -> hold(exchange);
            case "/v1/ignore-body" -> text(exchange, 200, "not reading it");
            case "/v1/crash" -> throw new IllegalStateException("a bug in the client API");
            case "/v1/answer-header" -> answerHeader(exchange);
            case "/v1/whole" -> whole(exchange);
            case "/v1/thread" -> thread(exchange);
            default -> text(exchange, 404, "no script for " + exchange.path());
        }
    }

    @Override
    public void shedOnArrival(ClientExchange exchange) throws IOException {
        text(exchange, 503, "shed on arrival");
    }

    private static void echo(ClientExchange exchange) throws IOException {
        byte[] body = exchange.body().readAllBytes();
        exchange.header("x-declared-length", Long.toString(exchange.contentLength()));
        exchange.header("x-client", exchange.remoteAddress());
        exchange.header("x-query", String.valueOf(exchange.query()));
        exchange.header("x-method", exchange.method());
        exchange.header("Content-Type", "application/octet-stream");
        exchange.output().write(body);
    }

    private void stream(ClientExchange exchange) throws IOException {
        exchange.header("Content-Type", "text/event-stream");
        OutputStream out = exchange.output();
        out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
        exchange.flush();
        awaitRelease("stream");
        out.write("data: second\n\n".getBytes(StandardCharsets.UTF_8));
        exchange.flush();
        streamReturned = true;
    }

    /** Reads nothing until released, then counts the body: the client meanwhile meets a full buffer. */
    private void hold(ClientExchange exchange) throws IOException {
        awaitRelease("body");
        long total = exchange.body().transferTo(OutputStream.nullOutputStream());
        text(exchange, 200, Long.toString(total));
    }

    private void endless(ClientExchange exchange) throws IOException {
        byte[] block = new byte[16 * 1024];
        try {
            for (int i = 0; i < 100_000; i++) {
                exchange.output().write(block);
                exchange.flush();
            }
            failure.complete(null);
        } catch (IOException e) {
            failure.complete(e);
            throw e;
        }
    }

    private void deadline(ClientExchange exchange) throws IOException {
        exchange.limitReadTime(300);
        try {
            exchange.body().readAllBytes();
            failure.complete(null);
        } catch (IOException e) {
            failure.complete(e);
            throw e;
        }
        text(exchange, 200, "read it all");
    }

    /**
     * A whole answer of {@code ?bytes} bytes written without a flush, then completed, as a relayed
     * whole answer is; the handler then waits for the test's release before it returns.
     */
    private void whole(ClientExchange exchange) throws IOException {
        int bytes = Integer.parseInt(exchange.query().substring("bytes=".length()));
        byte[] block = new byte[bytes];
        java.util.Arrays.fill(block, (byte) 'x');
        exchange.status(200);
        exchange.header("Content-Type", "application/octet-stream");
        exchange.output().write(block);
        exchange.complete();
        awaitRelease("answer");
        streamReturned = true;
    }

    /** Reads the body, then names the thread serving it and its carrier ({@code VirtualThread[#n,name]/runnable@carrier}). */
    private static void thread(ClientExchange exchange) throws IOException {
        long read = exchange.body().transferTo(OutputStream.nullOutputStream());
        exchange.header("x-thread", Thread.currentThread().toString());
        text(exchange, 200, Long.toString(read));
    }

    /** Sets the header named in the query ({@code name=value}, URL-encoded), as a handler relaying a backend's would. */
    private static void answerHeader(ClientExchange exchange) throws IOException {
        String[] pair = exchange.query().split("=", 2);
        exchange.header(java.net.URLDecoder.decode(pair[0], StandardCharsets.UTF_8),
                java.net.URLDecoder.decode(pair[1], StandardCharsets.UTF_8));
        text(exchange, 200, "header set");
    }

    /** Waits (up to 10 s) until the test counts {@code finishStream} down. */
    private void awaitRelease(String what) throws IOException {
        try {
            if (!finishStream.await(10, TimeUnit.SECONDS)) {
                throw new IOException("the test never released the " + what);
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    private static void text(ClientExchange exchange, int status, String text) throws IOException {
        exchange.status(status);
        exchange.header("Content-Type", "text/plain");
        exchange.output().write(text.getBytes(StandardCharsets.UTF_8));
    }
}
