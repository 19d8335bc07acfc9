package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

class ConsoleLoginTest extends GatewayIntegrationTest {

    @Test
    void logsInWithAPasswordAndCallsTheApiWithTheSessionCookie() {
        var account = AdminIdentities.account(client, "admin");
        var session = new ConsoleSession(client);

        var login = session.login(account.username(), AdminIdentities.PASSWORD);

        assertThat(ConsoleSession.succeeded(login)).as(login.headers().map().toString()).isTrue();
        var me = session.api("GET", "/admin/api/me", null);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(me).get("name").stringValue()).isEqualTo(account.username());
        assertThat(GatewayClient.json(me).get("role").stringValue()).isEqualTo("admin");
        assertThat(GatewayClient.json(me).get("kind").stringValue()).isEqualTo("session");
    }

    @Test
    void storesPasswordsOnlyAsBcryptHashesBehindTheDelegatingPrefix() {
        var account = AdminIdentities.account(client, "viewer");
        String hash = jdbc.queryForObject("select password_hash from admin_account where id = ?::uuid", String.class,
                account.id());
        assertThat(hash).startsWith("{bcrypt}$2").doesNotContain(AdminIdentities.PASSWORD);
        assertThat(client.admin("GET", "/admin/api/accounts", null).body()).doesNotContain("$2")
                .doesNotContain("password");
    }

    @Test
    void sessionCallsThatChangeSomethingNeedTheCsrfToken() {
        var account = AdminIdentities.account(client, "operator");
        var session = new ConsoleSession(client);
        assertThat(ConsoleSession.succeeded(session.login(account.username(), AdminIdentities.PASSWORD))).isTrue();

        var forged = session.api("POST", "/admin/api/keys", "{\"name\":\"forged\"}", false);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("CSRF");

        var genuine = session.api("POST", "/admin/api/keys", "{\"name\":\"from the console\"}", true);
        assertThat(genuine.statusCode()).isEqualTo(201);
    }

    @Test
    void aViewerSessionCanReadButNotChange() {
        var account = AdminIdentities.account(client, "viewer");
        var session = new ConsoleSession(client);
        assertThat(ConsoleSession.succeeded(session.login(account.username(), AdminIdentities.PASSWORD))).isTrue();

        assertThat(session.api("GET", "/admin/api/keys", null).statusCode()).isEqualTo(200);
        var refused = session.api("POST", "/admin/api/keys", "{\"name\":\"nope\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("\"code\":\"forbidden\"");
    }

    @Test
    void aRoleChangeAppliesToAnOpenSessionAtOnce() {
        var account = AdminIdentities.account(client, "operator");
        var session = new ConsoleSession(client);
        session.login(account.username(), AdminIdentities.PASSWORD);
        assertThat(session.api("POST", "/admin/api/keys", "{\"name\":\"while operator\"}").statusCode())
                .isEqualTo(201);

        client.admin("PATCH", "/admin/api/accounts/" + account.id(), "{\"role\":\"viewer\"}");

        assertThat(session.api("POST", "/admin/api/keys", "{\"name\":\"after demotion\"}").statusCode())
                .isEqualTo(403);
        assertThat(GatewayClient.json(session.api("GET", "/admin/api/me", null)).get("role").stringValue())
                .isEqualTo("viewer");
    }

    @Test
    void disablingAnAccountEndsItsOpenSession() {
        var account = AdminIdentities.account(client, "viewer");
        var session = new ConsoleSession(client);
        session.login(account.username(), AdminIdentities.PASSWORD);
        assertThat(session.api("GET", "/admin/api/me", null).statusCode()).isEqualTo(200);

        client.admin("PATCH", "/admin/api/accounts/" + account.id(), "{\"disabled\":true}");

        assertThat(session.api("GET", "/admin/api/me", null).statusCode()).isEqualTo(401);
    }

    @Test
    void refusesWrongPasswordsAndThenLocksTheAccountEvenForTheRightOne() {
        var account = AdminIdentities.account(client, "admin");
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            var failed = new ConsoleSession(client).login(account.username(), "wrong password " + i);
            assertThat(failed.statusCode()).isEqualTo(302);
            assertThat(failed.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login.html?error");
        }

        var locked = new ConsoleSession(client).login(account.username(), AdminIdentities.PASSWORD);

        assertThat(ConsoleSession.succeeded(locked)).isFalse();
        assertThat(locked.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login.html?error");
        assertThat(jdbc.queryForObject("select locked_until > now() from admin_account where id = ?::uuid",
                Boolean.class, account.id())).isTrue();
    }

    @Test
    void anAdminLiftsALockoutBySettingANewPassword() {
        var account = AdminIdentities.account(client, "operator");
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            new ConsoleSession(client).login(account.username(), "wrong password " + i);
        }
        String fresh = "a brand new passphrase";
        assertThat(client.admin("PATCH", "/admin/api/accounts/" + account.id(), "{\"password\":\"" + fresh + "\"}")
                .statusCode()).isEqualTo(200);

        assertThat(ConsoleSession.succeeded(new ConsoleSession(client).login(account.username(), fresh))).isTrue();
    }

    @Test
    void backsOffLongerWithEachFurtherFailure() {
        assertThat(SignInThrottle.lockFor(5)).hasMinutes(1);
        assertThat(SignInThrottle.lockFor(6)).hasMinutes(2);
        assertThat(SignInThrottle.lockFor(8)).hasMinutes(8);
        assertThat(SignInThrottle.lockFor(40)).isEqualTo(SignInThrottle.MAX_LOCK);
    }

    @Test
    void theSessionCookieIsHttpOnlySecureAndSameSiteLax() {
        var account = AdminIdentities.account(client, "viewer");
        var login = new ConsoleSession(client).login(account.username(), AdminIdentities.PASSWORD);

        String cookie = login.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("PORTCULLIS_SESSION=")).findFirst().orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("Secure").contains("SameSite=Lax");
    }

    @Test
    void consolePagesCarrySecurityHeaders() {
        var page = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/login.html")).GET().build());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'")
                .contains("frame-ancestors 'none'");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("same-origin");
    }

    @Test
    void servesTheConsoleToASignedInAccount() {
        var account = AdminIdentities.account(client, "viewer");
        var session = new ConsoleSession(client);
        session.login(account.username(), AdminIdentities.PASSWORD);

        var page = session.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/")).GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Portcullis console</title>");
    }

    @Test
    void sendsAnonymousVisitorsOfTheConsoleToTheLoginPage() {
        var page = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/")).GET().build());

        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login.html");
    }

    @Test
    void logoutEndsTheSession() {
        var account = AdminIdentities.account(client, "viewer");
        var session = new ConsoleSession(client);
        session.login(account.username(), AdminIdentities.PASSWORD);
        String sessionCookie = session.cookies.get("PORTCULLIS_SESSION");

        var logout = session.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/logout"))
                .header("X-XSRF-TOKEN", session.csrf()).POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login.html?logout");
        session.cookies.put("PORTCULLIS_SESSION", sessionCookie); // even a kept copy of the cookie is dead
        assertThat(session.api("GET", "/admin/api/me", null).statusCode()).isEqualTo(401);
    }
}
