package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamingTest extends GatewayIntegrationTest {

    private static final String STREAM = """
            {"model":"%s","stream":true,"messages":[{"role":"user","content":"What is the capital of Mexico?"}]}""";
    private static final String STREAM_WITH_USAGE = """
            {"model":"%s","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""";

    @Test
    void deliversTheFirstChunkWhileTheBackendIsStillWriting() throws Exception {
        var key = client.createKey();
        HttpResponse<InputStream> response = open(key.secret(), STREAM.formatted("fake-paused"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("text/event-stream"));

        try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            // The backend sent one event and is now blocked until released: if the gateway buffered,
            // this read would hang until the backend's 20 s give-up and then see no "first".
            String first = reader.readLine();
            assertThat(first).startsWith("data: ").contains("\"first\"");

            backend.models().releasePaused();
            List<String> rest = readAll(reader);
            assertThat(String.join("\n", rest)).contains("\"second\"").endsWith("data: [DONE]");
        }
    }

    @Test
    void asksTheBackendForUsageButHidesTheUsageChunkFromClientsThatDidNot() throws Exception {
        var key = client.createKey();
        List<String> events = dataLines(open(key.secret(), STREAM.formatted("fake-chat")));

        assertThat(backend.lastFor("fake", "fake-chat").body().replace(" ", ""))
                .contains("\"stream_options\":{\"include_usage\":true}");
        assertThat(events).last().isEqualTo("data: [DONE]");
        assertThat(events).noneMatch(e -> e.contains("\"prompt_tokens\""));
        assertThat(events).anyMatch(e -> e.contains("\"Mexico\"") || e.contains("\" Mexico\""));
        assertThat(events).hasSize(11); // the recorded stream's 12 events less the usage chunk
    }

    @Test
    void passesTheUsageChunkToClientsThatAskedForIt() throws Exception {
        var key = client.createKey();
        List<String> events = dataLines(open(key.secret(), STREAM_WITH_USAGE.formatted("fake-chat")));

        assertThat(events).hasSize(12);
        assertThat(events.get(10)).contains("\"prompt_tokens\":14");
    }

    @Test
    void recordsTheStreamsUsageAndTimeToFirstToken() throws Exception {
        var key = client.createKey();
        dataLines(open(key.secret(), STREAM.formatted("fake-chat")));

        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("streamed", true).containsEntry("prompt_tokens", 14)
                .containsEntry("completion_tokens", 8).containsEntry("outcome", "success");
        assertThat(row.get("ttft_ms")).isNotNull();
    }

    @Test
    void clientDisconnectMidStreamCancelsTheUpstreamCall() throws Exception {
        var key = client.createKey();
        HttpResponse<InputStream> response = open(key.secret(), STREAM.formatted("fake-endless"));
        InputStream body = response.body();
        var reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        assertThat(reader.readLine()).contains("tick");

        body.close(); // the client goes away

        assertThat(backend.models().awaitEndlessAborted(10)).as("backend saw its stream cancelled").isTrue();
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select outcome from usage_event_named where key_id = ?::uuid", String.class,
                key.id())).isEqualTo("client_closed");
    }

    @Test
    void reportsTheGatewaysOverheadBeforeTheFirstEvent() throws Exception {
        var key = client.createKey();
        long before = System.nanoTime();
        HttpResponse<InputStream> response = open(key.secret(), STREAM.formatted("fake-chat"));
        long headersMicros = (System.nanoTime() - before) / 1_000;

        assertThat(response.headers().firstValue("x-portcullis-overhead-us")).hasValueSatisfying(value ->
                assertThat(Long.parseLong(value)).isNotNegative().isLessThanOrEqualTo(headersMicros));
        assertThat(dataLines(response)).last().isEqualTo("data: [DONE]");
    }

    private HttpResponse<InputStream> open(String key, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private static List<String> dataLines(HttpResponse<InputStream> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(200);
        try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            return readAll(reader).stream().filter(l -> l.startsWith("data:")).toList();
        }
    }

    private static List<String> readAll(BufferedReader reader) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
