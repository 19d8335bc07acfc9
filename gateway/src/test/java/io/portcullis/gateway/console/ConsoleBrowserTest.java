package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The console in a real (headless) browser, against a real gateway, database and fake backend. */
class ConsoleBrowserTest extends GatewayIntegrationTest {

    private static final String PASSWORD = "console password 123";

    @RegisterExtension
    final Browser browser = new Browser();

    private String signIn(String role) {
        String username = "browser-" + role + "-" + Long.toString(System.nanoTime(), 36);
        var created = client.admin("POST", "/admin/api/accounts",
                "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\",\"role\":\"" + role + "\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        WebDriver web = browser.driver();
        web.get(client.base() + "/admin/");
        browser.await().until(ExpectedConditions.urlContains("/admin/login.html"));
        web.findElement(By.id("username")).sendKeys(username);
        web.findElement(By.id("password")).sendKeys(PASSWORD);
        web.findElement(By.id("sign-in")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), username));
        return username;
    }

    private void open(String page) {
        browser.driver().findElement(By.cssSelector("nav a[href='#/" + page + "']")).click();
        browser.await().until(ExpectedConditions.attributeToBe(
                By.cssSelector("nav a[href='#/" + page + "']"), "aria-current", "page"));
    }

    @Test
    void createsAKeyShowsItsSecretOnceAndRevokingItMakesTheGatewayRefuseIt() {
        signIn("operator");
        WebDriver web = browser.driver();
        open("keys");
        String name = "browser key " + System.nanoTime();

        web.findElement(By.id("new-key-name")).sendKeys(name);
        web.findElement(By.id("new-key-models")).sendKeys("fake-chat");
        web.findElement(By.id("create-key")).click();
        String secret = browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("secret-value")))
                .getDomProperty("value");

        assertThat(secret).startsWith("gw-");
        assertThat(web.findElement(By.id("secret-panel")).getText()).contains("shown only once");
        assertThat(client.post("/v1/chat/completions", secret, GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
        web.findElement(By.id("dismiss-secret")).click();
        assertThat(web.getPageSource()).doesNotContain(secret);
        web.navigate().refresh();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("keys-table"), name));
        assertThat(web.getPageSource()).doesNotContain(secret);

        By row = By.xpath("//tr[td[text()='" + name + "']]");
        web.findElement(row).findElement(By.cssSelector("button.revoke")).click();
        browser.await().until(ExpectedConditions.alertIsPresent()).accept();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(
                By.xpath("//tr[td[text()='" + name + "']]/td[contains(@class,'status')]"), "revoked"));

        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", secret, GatewayClient.chat("fake-chat")).statusCode() == 401);
    }

    @Test
    void findsAKeyBySearchAndEditsItsModelsAndExpiry() {
        String name = "editable " + System.nanoTime();
        var key = client.createKey("{\"name\":\"" + name + "\",\"models\":[\"fake-chat\"]}");
        signIn("operator");
        WebDriver web = browser.driver();
        open("keys");

        web.findElement(By.id("key-search")).sendKeys(name);
        browser.await().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#keys-table tbody tr"), 1));
        web.findElement(By.xpath("//tr[td[text()='" + name + "']]//button[contains(@class,'edit')]")).click();
        var models = browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("edit-key-models")));
        models.clear();
        models.sendKeys("fake-embed, fake-chat");
        web.findElement(By.id("edit-key-expiry")).sendKeys("12312099");
        web.findElement(By.id("save-key")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("keys-table"), "fake-embed"));

        var stored = GatewayClient.json(client.admin("GET", "/admin/api/keys/" + key.id(), null));
        assertThat(stored.get("models").toString()).isEqualTo("[\"fake-embed\",\"fake-chat\"]");
        assertThat(stored.get("expiresAt").stringValue()).isEqualTo("2099-12-31T00:00:00Z");
    }

    @Test
    void showsTrafficOnTheOverviewChartAndInTheUsageExplorer() {
        String name = "traffic " + System.nanoTime();
        var key = client.createKey("{\"name\":\"" + name + "\"}");
        for (int i = 0; i < 3; i++) {
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                    .isEqualTo(200);
        }
        awaitUsageRows(key.id(), 3);

        signIn("viewer");
        WebDriver web = browser.driver();
        browser.await().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#requests-chart rect.bar")));
        long todayBar = web.findElements(By.cssSelector("#requests-chart rect.bar")).stream()
                .mapToLong(r -> Long.parseLong(r.getDomAttribute("data-value"))).max().orElse(0);
        assertThat(todayBar).isGreaterThanOrEqualTo(3);
        assertThat(Long.parseLong(web.findElement(By.id("total-requests")).getText().replace(",", "")))
                .isGreaterThanOrEqualTo(3);

        open("usage");
        new org.openqa.selenium.support.ui.Select(web.findElement(By.id("usage-group"))).selectByValue("key");
        web.findElement(By.id("usage-run")).click();
        By row = By.xpath("//table[@id='usage-table']//tr[td[text()='" + name + "']]");
        browser.await().until(ExpectedConditions.presenceOfElementLocated(row));
        assertThat(web.findElement(row).findElements(By.tagName("td")).get(2).getText()).isEqualTo("3");
        assertThat(web.findElements(By.cssSelector("#usage-chart rect.bar"))).isNotEmpty();
        assertThat(web.findElement(By.id("usage-csv")).isEnabled()).isTrue();
    }

    @Test
    void signsOutAndTheConsoleAsksForALoginAgain() {
        signIn("viewer");
        WebDriver web = browser.driver();

        web.findElement(By.id("sign-out")).click();

        browser.await().until(ExpectedConditions.urlContains("/admin/login.html?logout"));
        assertThat(web.findElement(By.id("message")).getText()).contains("signed out");
        web.get(client.base() + "/admin/");
        browser.await().until(ExpectedConditions.urlContains("/admin/login.html"));
    }

    @Test
    void aViewerSeesNoAccountsSectionAndNoKeyForm() {
        signIn("viewer");
        WebDriver web = browser.driver();

        assertThat(web.findElement(By.cssSelector("nav a[href='#/accounts']")).isDisplayed()).isFalse();
        open("keys");
        browser.await().until(ExpectedConditions.presenceOfElementLocated(By.id("keys-table")));
        assertThat(web.findElements(By.id("create-key-form"))).isEmpty();
    }

    @Test
    void theAuditPageVerifiesTheChain() {
        signIn("admin");
        client.createKey("{\"name\":\"audited from the browser test\"}");
        open("audit");
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), "key.create"));

        browser.driver().findElement(By.id("audit-verify")).click();

        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-verdict"),
                "Chain intact"));
    }
}
