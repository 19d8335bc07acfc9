package io.portcullis.bench.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A fake OpenAI-compatible backend that streams a chat completion slowly: one chunk a second for
 * {@code CHUNKS} seconds, then a usage chunk and {@code [DONE]}. One virtual thread per stream, so
 * it holds thousands of streams on a laptop. Listens on 127.0.0.1 only.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.StreamingBackend PORT [CHUNKS]</pre>
 */
public final class StreamingBackend {

    private StreamingBackend() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 8192);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("content-type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                for (int i = 0; i < chunks; i++) {
                    out.write(("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                            + "\"model\":\"bench-stream\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick " + i
                            + " \"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(1_000);
                }
                out.write(("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"bench-stream\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":"
                        + chunks + ",\"total_tokens\":" + (8 + chunks) + "}}\n\ndata: [DONE]\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        System.out.println("streaming backend on 127.0.0.1:" + port + ", " + chunks + " chunks a second apart");
    }
}
