package io.portcullis.gateway.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.TestGateway;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A client that asks for a tiny reservation ({@code max_tokens: 10}) from a backend that ignores
 * it, reads 500 streamed chunks and hangs up before the usage chunk: billed at least what it
 * read, not its reservation.
 */
class CutStreamTest extends GovernanceTest {

    @Test
    void billsACutStreamAtLeastTheChunksItStreamed() throws Exception {
        scripted.script(TestGateway.LEAK, (exchange, body) -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 2000; i++) {
                out.write(UnmeteredAnswerTest.chunk("t" + i).getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (i >= 500) {
                    pause(); // keep going while the client hangs up
                }
            }
            out.write("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2000}}\n\n"
                    .getBytes(StandardCharsets.UTF_8));
        });
        var key = client.createKey();
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat("leak-chat", "\"max_tokens\":10,\"stream\":true")))
                .build();

        HttpResponse<InputStream> response = client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        int events = 0;
        try (InputStream in = response.body();
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while (events < 500 && (line = reader.readLine()) != null) {
                if (line.startsWith("data: {")) {
                    events++;
                }
            }
        }
        assertThat(events).isEqualTo(500);

        var row = ledgerRow(key);
        assertThat(row.get("outcome")).isEqualTo("client_closed");
        assertThat((Integer) row.get("completion_tokens")).isGreaterThanOrEqualTo(500);
        assertThat(row.get("billed_by")).isEqualTo("streamed");
    }

    private static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
