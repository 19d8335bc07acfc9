package io.portcullis.gateway.backend.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The demo model {@code portcullis-echo}, on a gateway started with no backend at all (the shared
 * test gateway has backends, so it must not serve it): answered, streamed, billed at no cost with
 * its usage in the ledger, governed by the key's policy, listed and marked as the demo; and gone
 * as soon as a backend exists, in configuration or managed.
 */
@ExtendWith(OutputCaptureExtension.class)
class DemoModelTest extends GatewayIntegrationTest {

    private static final String HELLO = """
            {"model":"portcullis-echo","messages":[{"role":"system","content":"Be brief please"},
             {"role":"user","content":"first"},{"role":"assistant","content":"x"},
             {"role":"user","content":"Hello there gateway"}]%s}""";
    /** Words of every message: 3 + 1 + 1 + 3. */
    private static final int PROMPT_WORDS = 8;

    @RegisterExtension
    final Browser browser = new Browser();

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway bare;
    private static String startLog;

    @BeforeAll
    static void startWithoutBackends(CapturedOutput output) {
        postgres = EmbeddedPostgresServer.ephemeral();
        var backends = TestGateway.properties().keySet().stream().filter(k -> k.startsWith("gateway.backends"))
                .collect(Collectors.toSet());
        bare = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(), backends);
        startLog = output.getAll();
    }

    @AfterAll
    static void stop() {
        if (bare != null) {
            bare.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static GatewayClient demo() {
        return bare.client();
    }

    private static Map<String, Object> ledgerRow(GatewayClient.Key key) {
        JdbcTemplate ledger = bare.context().getBean(JdbcTemplate.class);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.queryForObject(
                "select count(*) from usage_event_named where key_id = ?::uuid", Integer.class, key.id()) == 1);
        return ledger.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
    }

    /** The JSON of each {@code data:} event, once it is checked that {@code [DONE]} ended the stream. */
    private static List<JsonNode> events(HttpResponse<String> answer) {
        List<JsonNode> events = new ArrayList<>();
        List<String> data = answer.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(data).as(answer.body()).isNotEmpty().last().isEqualTo("[DONE]");
        data.subList(0, data.size() - 1).forEach(d -> events.add(GatewayClient.JSON.readTree(d)));
        return events;
    }

    private static String content(List<JsonNode> events) {
        return events.stream().flatMap(e -> e.path("choices").valueStream())
                .map(c -> c.path("delta").path("content").asString("")).collect(Collectors.joining());
    }

    @Test
    void saysAtStartThatItServesTheDemoModel() {
        assertThat(startLog).contains("No backends configured: serving the demo model portcullis-echo;"
                + " configure gateway.backends to use real models");
    }

    @Test
    void echoesTheLastUserMessageAndBillsItsWordsAtNoCost() {
        var key = demo().createKey();

        var answer = demo().post("/v1/chat/completions", key.secret(), HELLO.formatted(""));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.at("/choices/0/message/content").asString()).isEqualTo("Echo: Hello there gateway");
        assertThat(json.at("/choices/0/finish_reason").asString()).isEqualTo("stop");
        assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(PROMPT_WORDS);
        assertThat(json.at("/usage/completion_tokens").asInt()).isEqualTo(4);
        assertThat(ledgerRow(key)).containsEntry("model", "portcullis-echo").containsEntry("backend", "portcullis-demo")
                .containsEntry("status", 200).containsEntry("streamed", false).containsEntry("billed_by", "reported")
                .containsEntry("prompt_tokens", PROMPT_WORDS).containsEntry("completion_tokens", 4)
                .containsEntry("cost_micros", 0L);
    }

    @Test
    void streamsWordByWordWithTheUsageChunkWhenAskedAndEndsWithDone() {
        var key = demo().createKey();

        var answer = demo().post("/v1/chat/completions", key.secret(),
                HELLO.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        var events = events(answer);
        assertThat(content(events)).isEqualTo("Echo: Hello there gateway");
        assertThat(events.stream().filter(e -> e.at("/choices/0/delta").has("content")).count())
                .as("a role chunk, then one chunk per word").isEqualTo(5);
        assertThat(events.getLast().path("choices")).isEmpty();
        assertThat(events.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(4);
        assertThat(ledgerRow(key)).containsEntry("streamed", true).containsEntry("billed_by", "reported")
                .containsEntry("prompt_tokens", PROMPT_WORDS).containsEntry("completion_tokens", 4)
                .containsEntry("cost_micros", 0L);
    }

    @Test
    void billsAStreamFromItsUsageEvenWhenTheClientDidNotAskForIt() {
        var key = demo().createKey();

        var answer = demo().post("/v1/chat/completions", key.secret(), HELLO.formatted(",\"stream\":true"));

        var events = events(answer);
        assertThat(content(events)).isEqualTo("Echo: Hello there gateway");
        assertThat(events).noneMatch(e -> e.has("usage") && !e.path("usage").isNull());
        assertThat(ledgerRow(key)).containsEntry("billed_by", "reported").containsEntry("completion_tokens", 4);
    }

    @Test
    void answersAnthropicClientsOnMessagesCutAtTheirMaxTokens() {
        var key = demo().createKey();

        var answer = demo().post("/v1/messages", key.secret(), """
                {"model":"portcullis-echo","max_tokens":2,"messages":[{"role":"user","content":"Hello there gateway"}]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.at("/content/0/text").asString()).isEqualTo("Echo: Hello");
        assertThat(json.path("stop_reason").asString()).isEqualTo("max_tokens");
        assertThat(json.at("/usage/output_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void listsTheDemoModelOwnedByTheDemoBackendAndMarksItInTheBackendList() {
        var key = demo().createKey();

        var models = GatewayClient.json(demo().get("/v1/models", key.secret()));
        var backends = GatewayClient.json(demo().admin("GET", "/admin/api/backends", null));

        assertThat(models.path("data").valueStream().map(m -> m.path("id").asString()).toList())
                .containsExactly("portcullis-echo");
        assertThat(models.at("/data/0/owned_by").asString()).isEqualTo("portcullis-demo");
        assertThat(backends.path("data")).hasSize(1);
        assertThat(backends.at("/data/0/source").asString()).isEqualTo("demo");
        assertThat(backends.at("/data/0/model").asString()).isEqualTo("portcullis-echo");
    }

    @Test
    void theConsoleMarksTheDemoBackend() {
        var created = demo().admin("POST", "/admin/api/accounts",
                "{\"username\":\"demo-viewer\",\"password\":\"console password 123\",\"role\":\"viewer\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var web = browser.driver();
        web.get(demo().base() + "/admin/");
        browser.await().until(ExpectedConditions.urlContains("/admin/login.html"));
        web.findElement(By.id("username")).sendKeys("demo-viewer");
        web.findElement(By.id("password")).sendKeys("console password 123");
        web.findElement(By.id("sign-in")).click();

        By demoRow = By.cssSelector("#backends tr[data-backend='portcullis-demo']");
        browser.await().until(ExpectedConditions.presenceOfElementLocated(demoRow));
        assertThat(web.findElement(demoRow).getText()).contains("portcullis-echo");
        assertThat(web.findElement(demoRow).findElement(By.cssSelector("span.tag")).getText()).isEqualTo("demo");
    }

    @Test
    void aKeyLimitedToOtherModelsIsRefusedTheDemoModel() {
        var key = demo().createKey("{\"name\":\"llama only\",\"models\":[\"llama3.2\"]}");

        var answer = demo().post("/v1/chat/completions", key.secret(), HELLO.formatted(""));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
        assertThat(GatewayClient.json(answer).at("/error/code").asString()).isEqualTo("model_not_allowed");
        assertThat(GatewayClient.json(demo().get("/v1/models", key.secret())).path("data")).isEmpty();
    }

    @Test
    void aKeysOutputCapCutsTheEcho() {
        var key = demo().createKey("{\"name\":\"capped\",\"limits\":{\"maxTokensPerRequest\":2}}");

        var answer = demo().post("/v1/chat/completions", key.secret(), HELLO.formatted(""));

        assertThat(GatewayClient.json(answer).at("/choices/0/message/content").asString()).isEqualTo("Echo: Hello");
        assertThat(GatewayClient.json(answer).at("/choices/0/finish_reason").asString()).isEqualTo("length");
        assertThat(ledgerRow(key)).containsEntry("completion_tokens", 2);
    }

    @Test
    void refusesEndpointsOtherThanChatSayingItIsTheDemo() {
        var key = demo().createKey();

        var answer = demo().post("/v1/embeddings", key.secret(), "{\"model\":\"portcullis-echo\",\"input\":\"hi\"}");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(GatewayClient.json(answer).at("/error/message").asString()).contains("demo model")
                .contains("gateway.backends");
    }

    @Test
    void aGatewayWithConfiguredBackendsDoesNotKnowTheDemoModel() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), HELLO.formatted(""));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(404);
        assertThat(GatewayClient.json(answer).at("/error/code").asString()).isEqualTo("model_not_found");
        assertThat(GatewayClient.json(client.get("/v1/models", key.secret())).path("data").valueStream()
                .map(m -> m.path("id").asString())).isNotEmpty().doesNotContain("portcullis-echo");
    }

    @Test
    void aManagedBackendTurnsTheDemoOffAndRemovingItBringsItBack() {
        var key = demo().createKey();
        var created = demo().admin("POST", "/admin/api/backends", """
                {"name":"first-real","baseUrl":"%s","models":["real-chat"]}"""
                .formatted(TestGateway.backend().baseUrl("first-real")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                    demo().post("/v1/chat/completions", key.secret(), HELLO.formatted("")).statusCode() == 404);
            var answer = demo().post("/v1/chat/completions", key.secret(), HELLO.formatted(""));
            assertThat(GatewayClient.json(answer).at("/error/code").asString()).isEqualTo("model_not_found");
            assertThat(GatewayClient.json(demo().get("/v1/models", key.secret())).path("data").valueStream()
                    .map(m -> m.path("id").asString()).toList()).containsExactly("real-chat");
            assertThat(demo().post("/v1/chat/completions", key.secret(), GatewayClient.chat("real-chat"))
                    .statusCode()).isEqualTo(200);
        } finally {
            assertThat(demo().admin("DELETE", "/admin/api/backends/first-real", null).statusCode()).isEqualTo(204);
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                demo().post("/v1/chat/completions", key.secret(), HELLO.formatted("")).statusCode() == 200);
    }
}
