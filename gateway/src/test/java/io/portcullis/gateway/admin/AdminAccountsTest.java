package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class AdminAccountsTest extends GatewayIntegrationTest {

    @Test
    void validatesNewAccountsNamingTheBadField() {
        assertParam(client.admin("POST", "/admin/api/accounts", "{\"username\":\"x1\",\"password\":\"short\",\"role\":\"admin\"}"),
                "password");
        assertParam(client.admin("POST", "/admin/api/accounts",
                "{\"username\":\"x1\",\"password\":\"long enough password\",\"role\":\"root\"}"), "role");
        assertParam(client.admin("POST", "/admin/api/accounts",
                "{\"username\":\"no spaces allowed\",\"password\":\"long enough password\",\"role\":\"viewer\"}"),
                "username");
    }

    @Test
    void refusesASecondAccountWithTheSameName() {
        var account = AdminIdentities.account(client, "viewer");
        var again = client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + account.username().toUpperCase()
                + "\",\"password\":\"long enough password\",\"role\":\"viewer\"}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("\"code\":\"already_exists\"");
    }

    @Test
    void showsAPersonalTokenOnceAndStoresOnlyItsHash() {
        var account = AdminIdentities.account(client, "operator");
        var created = client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"deploy bot\",\"accountId\":\"" + account.id() + "\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String token = GatewayClient.json(created).get("token").stringValue();
        assertThat(token).startsWith("gwadm-").hasSizeGreaterThan(40);

        assertThat(client.admin("GET", "/admin/api/tokens", null).body()).contains("deploy bot")
                .doesNotContain(token.substring(12));
        assertThat(jdbc.queryForObject("select count(*) from admin_token where encode(token_hash, 'escape') like ?",
                Integer.class, "%" + token.substring(12) + "%")).isZero();
    }

    @Test
    void aPersonalTokenActsWithItsAccountsRoleUntilRevoked() {
        var account = AdminIdentities.account(client, "viewer");
        var created = GatewayClient.json(client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"reporting\",\"accountId\":\"" + account.id() + "\"}"));
        String token = created.get("token").stringValue();

        var me = GatewayClient.json(AdminIdentities.call(client, "GET", "/admin/api/me", token, null));
        assertThat(me.get("role").stringValue()).isEqualTo("viewer");
        assertThat(me.get("name").stringValue()).isEqualTo(account.username() + " (token reporting)");

        assertThat(client.admin("DELETE", "/admin/api/tokens/" + created.get("id").stringValue(), null).statusCode())
                .isEqualTo(200);
        assertThat(AdminIdentities.call(client, "GET", "/admin/api/me", token, null).statusCode()).isEqualTo(401);
    }

    @Test
    void disablingAnAccountStopsItsTokensAndARoleChangeAppliesToThem() {
        var account = AdminIdentities.account(client, "viewer");
        String token = GatewayClient.json(client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"t\",\"accountId\":\"" + account.id() + "\"}")).get("token").stringValue();

        client.admin("PATCH", "/admin/api/accounts/" + account.id(), "{\"role\":\"operator\"}");
        assertThat(AdminIdentities.call(client, "POST", "/admin/api/keys", token, "{\"name\":\"by token\"}")
                .statusCode()).isEqualTo(201);

        client.admin("PATCH", "/admin/api/accounts/" + account.id(), "{\"disabled\":true}");
        assertThat(AdminIdentities.call(client, "GET", "/admin/api/me", token, null).statusCode()).isEqualTo(401);
        assertThat(ConsoleSession.succeeded(new ConsoleSession(client).login(account.username(),
                AdminIdentities.PASSWORD))).isFalse();
    }

    @Test
    void theBootstrapTokenMustNameTheAccountOfANewToken() {
        assertParam(client.admin("POST", "/admin/api/tokens", "{\"name\":\"whose?\"}"), "accountId");
    }

    private static void assertParam(HttpResponse<String> response, String param) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(GatewayClient.json(response).at("/error/param").stringValue()).isEqualTo(param);
    }
}
