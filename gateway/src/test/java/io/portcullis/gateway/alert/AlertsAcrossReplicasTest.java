package io.portcullis.gateway.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Two gateways on one PostgreSQL, as two replicas: events happen once, and survive a restart. */
class AlertsAcrossReplicasTest {

    private static String webhook(GatewayClient admin, WebhookReceiver receiver) {
        var response = admin.admin("POST", "/admin/api/alerts/webhooks", "{\"url\":\"" + receiver.url()
                + "\",\"events\":[\"budget.threshold\",\"budget.exhausted\"]}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return GatewayClient.json(response).get("secret").stringValue();
    }

    private static String team(GatewayClient admin, String limits, String alertAt) {
        var response = admin.admin("POST", "/admin/api/teams", "{\"name\":\"shared-" + System.nanoTime()
                + "\",\"limits\":" + limits + ",\"alertAt\":" + alertAt + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return GatewayClient.json(response).get("id").stringValue();
    }

    @Test
    void thresholdsCrossedByTrafficOnTwoReplicasProduceExactlyOneEventEach() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var receiver = new WebhookReceiver();
             var a = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
             var b = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            String secret = webhook(a.client(), receiver);
            // 30 tokens an answer: 40 answers fill the team's 1200; thresholds at 25, 50, 75 and 100%
            String teamId = team(a.client(), "{\"tokensPerDay\":1200}", "[25,50,75,100]");
            var keyA = a.client().createKey("{\"name\":\"on a\",\"teamId\":\"" + teamId + "\"}");
            var keyB = a.client().createKey("{\"name\":\"on b\",\"teamId\":\"" + teamId + "\"}");
            var results = new ArrayList<Future<Integer>>();
            try (var pool = Executors.newFixedThreadPool(4)) {
                for (int i = 0; i < 50; i++) {
                    boolean onA = i % 2 == 0;
                    var client = onA ? a.client() : b.client();
                    var key = onA ? keyA : keyB;
                    results.add(pool.submit(() -> client.post("/v1/chat/completions", key.secret(),
                            BudgetAlertsTest.METERED).statusCode()));
                }
            }
            long refused = 0;
            for (var r : results) {
                refused += r.get() == 429 ? 1 : 0;
            }
            assertThat(refused).as("the team's budget ran out").isPositive();
            Awaitility.await().atMost(Duration.ofSeconds(15)).alias("thresholds and exhausted received").until(() ->
                    receiver.calls("budget.threshold").size() >= 4 && receiver.calls("budget.exhausted").size() >= 1,
                    done -> done || dump(receiver));
            Thread.sleep(1500); // many delivery periods of both replicas: a duplicate would have come by now

            var thresholds = receiver.calls("budget.threshold");
            assertThat(thresholds.stream().map(c -> c.json().get("percent").asInt()).sorted().toList())
                    .containsExactly(25, 50, 75, 100);
            assertThat(thresholds).allMatch(c -> c.json().get("scope").stringValue().equals("team")
                    && c.json().get("scopeId").stringValue().equals(teamId) && c.signedWith(secret));
            var exhausted = receiver.calls("budget.exhausted");
            assertThat(exhausted).as("one first refusal, whichever replica refused first").hasSize(1);
            assertThat(exhausted.getFirst().json().get("scope").stringValue()).isEqualTo("team");
        }
    }

    @Test
    void aRestartBetweenTheDecisionAndTheDeliveryLosesNothing() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var receiver = new WebhookReceiver()) {
            String secret;
            String keyId;
            // this replica decides but never gets to send: its worker would first run in an hour
            try (var a = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.alerts.delivery-period", "1h"))) {
                secret = webhook(a.client(), receiver);
                var key = a.client().createKey("{\"name\":\"decided before restart\",\"limits\":{\"tokensPerDay\":300},"
                        + "\"alertAt\":[10]}");
                keyId = key.id();
                assertThat(a.client().post("/v1/chat/completions", key.secret(), BudgetAlertsTest.METERED).statusCode())
                        .isEqualTo(200);
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pending(a.client()) == 1);
            }
            assertThat(receiver.calls()).isEmpty();
            try (var b = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> receiver.calls().size() == 1);
                var call = receiver.calls().getFirst();
                JsonNode body = call.json();
                assertThat(body.get("scopeId").stringValue()).isEqualTo(keyId);
                assertThat(body.get("percent").asInt()).isEqualTo(10);
                assertThat(call.signedWith(secret)).isTrue();
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pending(b.client()) == 0);
            }
        }
    }

    /** What arrived, printed while waiting, so a timeout says which event is missing. */
    private static boolean dump(WebhookReceiver receiver) {
        System.out.println("received: " + receiver.calls().stream().map(c -> c.event() + " "
                + c.json().path("percent")).toList());
        return false;
    }

    private static int pending(GatewayClient admin) {
        int n = 0;
        for (JsonNode d : GatewayClient.json(admin.admin("GET", "/admin/api/alerts/deliveries", null)).get("data")) {
            n += d.get("status").stringValue().equals("pending") ? 1 : 0;
        }
        return n;
    }
}
