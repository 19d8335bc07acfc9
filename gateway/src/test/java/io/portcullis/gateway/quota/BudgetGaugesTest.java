package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.usage.UsageLedger;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class BudgetGaugesTest {

    @Test
    void exportsTheShareOfEachBudgetUsedForListedTeamsOnly() {
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            String teamId;
            String otherTeam;
            try (var first = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
                var client = first.client();
                teamId = GatewayClient.json(client.admin("POST", "/admin/api/teams",
                        "{\"name\":\"watched\",\"limits\":{\"tokensPerMonth\":300,\"spendPerMonthUsd\":\"1.00\"}}"))
                        .get("id").stringValue();
                otherTeam = GatewayClient.json(client.admin("POST", "/admin/api/teams",
                        "{\"name\":\"unwatched\",\"limits\":{\"tokensPerMonth\":300}}")).get("id").stringValue();
                var key = client.createKey("{\"name\":\"w\",\"teamId\":\"" + teamId + "\"}");
                var other = client.createKey("{\"name\":\"u\",\"teamId\":\"" + otherTeam + "\"}");
                String body = "{\"model\":\"fake-metered\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                for (int i = 0; i < 3; i++) {
                    assertThat(client.post("/v1/chat/completions", key.secret(), body).statusCode()).isEqualTo(200);
                }
                client.post("/v1/chat/completions", other.secret(), body);
                var ledger = first.context().getBean(UsageLedger.class);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
            }
            try (var second = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.metrics.teams[0]", teamId))) {
                second.context().getBean(BudgetGauges.class).refresh();

                String metrics = second.client().get("/actuator/prometheus", null).body();

                // three calls of 30 tokens against 300 a month
                assertThat(metrics).containsPattern("portcullis_quota_budget_utilization\\{[^}]*budget=\"tokens_per_month\""
                        + "[^}]*team=\"" + teamId + "\"[^}]*} 0\\.3");
                assertThat(metrics).contains("budget=\"spend_per_month\"").doesNotContain(otherTeam)
                        .doesNotContain("budget=\"tokens_per_day\"");
            }
        }
    }
}
