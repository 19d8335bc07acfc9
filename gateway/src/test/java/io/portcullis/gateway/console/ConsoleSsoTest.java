package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.testidp.TestIdentityProvider;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * OpenID Connect login round trip in a browser: gateway → Spring Authorization Server (real,
 * started here) → back to the console with a role mapped from the ID token's groups claim.
 */
class ConsoleSsoTest {

    static EmbeddedPostgresServer postgres;
    static ConfigurableApplicationContext idp;
    static StandaloneGateway gateway;
    static String base;
    static String ssoTeam;

    @RegisterExtension
    final Browser browser = new Browser();

    @BeforeAll
    static void start() {
        int idpPort = TestIdentityProvider.freePort();
        int gatewayPort = TestIdentityProvider.freePort();
        base = "http://127.0.0.1:" + gatewayPort;
        idp = TestIdentityProvider.start(idpPort, base + "/admin/login/oauth2/code/company");
        postgres = EmbeddedPostgresServer.ephemeral();
        String registration = "spring.security.oauth2.client.registration.company.";
        var properties = new java.util.HashMap<>(Map.of(
                "server.port", String.valueOf(gatewayPort),
                "server.address", "127.0.0.1",
                registration + "client-id", TestIdentityProvider.CLIENT_ID,
                registration + "client-secret", TestIdentityProvider.CLIENT_SECRET,
                registration + "client-name", "Company SSO",
                registration + "scope", "openid,profile",
                registration + "redirect-uri", "{baseUrl}/admin/login/oauth2/code/{registrationId}",
                "spring.security.oauth2.client.provider.company.issuer-uri", TestIdentityProvider.issuer(idpPort),
                "gateway.admin.sso.role-claim", "groups",
                "gateway.admin.sso.operator-values", "portcullis-operators"));
        properties.put("gateway.admin.sso.developer-values", "portcullis-developers");
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), properties);
        ssoTeam = GatewayClient.json(gateway.client().admin("POST", "/admin/api/teams",
                "{\"name\":\"sso-devs\",\"developerKeyLimits\":{\"models\":[\"fake-chat\"]}}")).get("id").stringValue();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        postgres.close();
        idp.close();
    }

    private void signInAtTheProvider(String user) {
        WebDriver web = browser.driver();
        web.get(base + "/admin/login.html");
        browser.await().until(ExpectedConditions.elementToBeClickable(By.id("sso-company"))).click();
        browser.await().until(ExpectedConditions.urlContains("localhost"));
        browser.await().until(ExpectedConditions.presenceOfElementLocated(By.name("username"))).sendKeys(user);
        web.findElement(By.name("password")).sendKeys(TestIdentityProvider.PASSWORD);
        web.findElement(By.cssSelector("button[type=submit]")).click();
    }

    @Test
    void signsInThroughTheIdentityProviderWithTheRoleItsGroupsMapTo() {
        signInAtTheProvider("alice");

        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "alice"));
        assertThat(browser.driver().findElement(By.id("who")).getText()).isEqualTo("alice (sso company) · operator");
        assertThat(browser.driver().findElement(By.cssSelector("nav a[href='#/accounts']")).isDisplayed()).isFalse();
    }

    @Test
    void aDeveloperByGroupGetsTheTeamsTheirClaimNamesAndCreatesAKeyOwnedByTheirSsoName() {
        signInAtTheProvider("dave");

        WebDriver web = browser.driver();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "dave"));
        assertThat(web.findElement(By.id("who")).getText()).isEqualTo("dave (sso company) · developer");
        browser.await().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main[data-page='mykeys']")));
        assertThat(new org.openqa.selenium.support.ui.Select(web.findElement(By.id("new-key-team"))).getOptions())
                .extracting(org.openqa.selenium.WebElement::getText).containsExactly("sso-devs");
        web.findElement(By.id("new-key-name")).sendKeys("dave's sso key");
        web.findElement(By.id("create-key")).click();
        assertThat(browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("secret-value")))
                .getDomProperty("value")).startsWith("gw-");
        var owner = gateway.context().getBean(org.springframework.jdbc.core.JdbcTemplate.class).queryForObject(
                "select d.owner from developer_key d join api_key k on k.id = d.key_id where k.name = ?", String.class,
                "dave's sso key");
        assertThat(owner).isEqualTo("sso:dave (sso company)");
    }

    @Test
    void refusesAnIdentityWhoseGroupsMapToNoRole() {
        signInAtTheProvider("mallory");

        browser.await().until(ExpectedConditions.urlContains("/admin/login.html?error=sso-role"));
        assertThat(browser.driver().findElement(By.id("message")).getText()).contains("no console role");
        browser.driver().get(base + "/admin/");
        browser.await().until(ExpectedConditions.urlContains("/admin/login.html"));
    }
}
