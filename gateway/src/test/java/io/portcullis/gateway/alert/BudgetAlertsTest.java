package io.portcullis.gateway.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Budget alerts from real traffic on one gateway, to a receiver started here. */
class BudgetAlertsTest extends GatewayIntegrationTest {

    /** 30 tokens per answer (FixedModels); reserves little, so the last 30 of a budget can still be spent. */
    static final String METERED = "{\"model\":\"fake-metered\",\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Autowired
    KeyExpiryAlerts expiry;

    private WebhookReceiver receiver;
    private String webhookId;

    @AfterEach
    void stopReceiver() {
        if (webhookId != null) {
            client.admin("DELETE", "/admin/api/alerts/webhooks/" + webhookId, null);
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    /** A webhook to a fresh receiver; its secret. */
    private String webhook(int failures, String format, String... events) throws Exception {
        receiver = new WebhookReceiver(failures);
        var response = client.admin("POST", "/admin/api/alerts/webhooks", "{\"url\":\"" + receiver.url()
                + "\",\"events\":" + GatewayClient.JSON.writeValueAsString(List.of(events)) + ",\"format\":\""
                + format + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode created = GatewayClient.json(response);
        webhookId = created.get("id").stringValue();
        return created.get("secret").stringValue();
    }

    private List<WebhookReceiver.Call> callsFor(String scopeId, String event) {
        return receiver.calls(event).stream().filter(c -> c.json().path("scopeId").asString("").equals(scopeId)).toList();
    }

    private int send(GatewayClient.Key key) {
        return client.post("/v1/chat/completions", key.secret(), METERED).statusCode();
    }

    @Test
    void thresholdsCrossedByTrafficAreSentOnceEachSignedAndThenTheFirstRefusal() throws Exception {
        String secret = webhook(0, "json", "budget.threshold", "budget.exhausted");
        var key = client.createKey("{\"name\":\"alerted key\",\"limits\":{\"tokensPerDay\":300},\"alertAt\":[90,50]}");
        for (int i = 0; i < 10; i++) {
            assertThat(send(key)).isEqualTo(200);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> callsFor(key.id(), "budget.threshold").size() == 2);
        for (int i = 0; i < 3; i++) {
            assertThat(send(key)).isEqualTo(429);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> callsFor(key.id(), "budget.exhausted").size() == 1);
        Thread.sleep(600); // several delivery periods: nothing more may come
        var thresholds = callsFor(key.id(), "budget.threshold");
        assertThat(thresholds).hasSize(2);
        assertThat(callsFor(key.id(), "budget.exhausted")).hasSize(1);

        var fifty = thresholds.stream().filter(c -> c.json().get("percent").asInt() == 50).findFirst().orElseThrow();
        assertThat(fifty.signedWith(secret)).as("signature verifies").isTrue();
        assertThat(fifty.signedWith(secret + "x")).isFalse();
        JsonNode body = fifty.json();
        assertThat(body.get("id").stringValue()).isEqualTo(fifty.eventId());
        assertThat(body.get("event").stringValue()).isEqualTo("budget.threshold");
        assertThat(body.get("scope").stringValue()).isEqualTo("key");
        assertThat(body.get("name").stringValue()).isEqualTo("alerted key");
        assertThat(body.get("metric").stringValue()).isEqualTo("tokensPerDay");
        assertThat(body.get("limit").asLong()).isEqualTo(300);
        assertThat(body.get("used").asLong()).isBetween(150L, 300L);
        assertThat(body.get("window").stringValue()).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
        assertThat(Instant.parse(body.get("occurredAt").stringValue())).isBefore(Instant.now().plusSeconds(1));
        assertThat(thresholds.stream().map(c -> c.json().get("percent").asInt()).toList()).containsOnly(50, 90);
        Integer decisions = jdbc.queryForObject("select count(*) from alert_decision where scope = ?", Integer.class,
                "key:" + key.id());
        assertThat(decisions).isEqualTo(3);
    }

    @Test
    void aReceiverThatFailsThreeTimesThenSucceedsGetsTheSameEventFourTimes() throws Exception {
        String secret = webhook(3, "json", "budget.threshold");
        var key = client.createKey("{\"name\":\"flaky receiver\",\"limits\":{\"tokensPerDay\":300},\"alertAt\":[10]}");
        assertThat(send(key)).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> callsFor(key.id(), "budget.threshold").size() == 4);
        var calls = callsFor(key.id(), "budget.threshold");
        assertThat(calls.stream().map(WebhookReceiver.Call::eventId).distinct()).hasSize(1);
        assertThat(calls.stream().map(c -> new String(c.body())).distinct()).as("the same bytes each time").hasSize(1);
        assertThat(calls).allMatch(c -> c.signedWith(secret));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            JsonNode data = GatewayClient.json(client.admin("GET", "/admin/api/alerts/deliveries?limit=200", null))
                    .get("data");
            for (JsonNode d : data) {
                if (d.get("eventId").stringValue().equals(calls.getFirst().eventId())) {
                    return d.get("status").stringValue().equals("delivered") && d.get("attempts").asInt() == 4
                            && d.get("lastStatus").asInt() == 204;
                }
            }
            return false;
        });
        assertThat(Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> meter("failed"), n -> n >= 3))
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void aSlackWebhookGetsOneLineOfText() throws Exception {
        webhook(0, "slack", "budget.threshold");
        var key = client.createKey("{\"name\":\"<!channel> & co\",\"limits\":{\"tokensPerDay\":300},\"alertAt\":[10]}");
        assertThat(send(key)).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.calls("budget.threshold").isEmpty());
        JsonNode body = receiver.calls("budget.threshold").getFirst().json();
        assertThat(body.size()).isEqualTo(1);
        assertThat(body.get("text").stringValue()).contains("key '&lt;!channel&gt; &amp; co' has used 10%")
                .contains("tokensPerDay");
    }

    @Test
    void aKeyExpiringIsAnnouncedSevenDaysAndOneDayBeforeOnceEach() throws Exception {
        webhook(0, "json", "key.expiring");
        var inThreeDays = client.createKey("{\"name\":\"expiring soon\",\"expiresAt\":\""
                + Instant.now().plus(Duration.ofDays(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}");
        var tomorrow = client.createKey("{\"name\":\"expiring tomorrow\",\"expiresAt\":\""
                + Instant.now().plus(Duration.ofHours(12)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}");
        expiry.lookForExpiringKeys();
        expiry.lookForExpiringKeys();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !callsFor(inThreeDays.id(), "key.expiring").isEmpty()
                && !callsFor(tomorrow.id(), "key.expiring").isEmpty());
        Thread.sleep(500);
        assertThat(callsFor(inThreeDays.id(), "key.expiring")).singleElement()
                .satisfies(c -> assertThat(c.json().get("daysLeft").asInt()).isEqualTo(7));
        assertThat(callsFor(tomorrow.id(), "key.expiring")).singleElement()
                .satisfies(c -> assertThat(c.json().get("daysLeft").asInt()).isEqualTo(1));
        // a replica that forgot (a restart) asks again: the database still says once
        Integer rows = jdbc.queryForObject("select count(*) from alert_decision where scope = ?", Integer.class,
                "key:" + inThreeDays.id());
        assertThat(rows).isEqualTo(1);
    }

    private double meter(String outcome) {
        var metrics = client.get("/actuator/prometheus", null).body();
        return metrics.lines().filter(l -> l.startsWith("portcullis_alerts_deliveries_total{")
                        && l.contains("outcome=\"" + outcome + "\"") && l.contains("event=\"budget.threshold\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
