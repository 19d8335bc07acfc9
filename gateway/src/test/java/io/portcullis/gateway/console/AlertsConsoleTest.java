package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.alert.WebhookReceiver;
import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The console's Alerts page in a real browser: webhooks, their secret shown once, deliveries and failures. */
class AlertsConsoleTest extends GatewayIntegrationTest {

    private static final String PASSWORD = "console password 123";
    private static final String METERED = "{\"model\":\"fake-metered\",\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @RegisterExtension
    final Browser browser = new Browser();

    private void signIn(String role) {
        String username = "alerts-" + role + "-" + Long.toString(System.nanoTime(), 36);
        assertThat(client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + username + "\",\"password\":\""
                + PASSWORD + "\",\"role\":\"" + role + "\"}").statusCode()).isEqualTo(201);
        browser.signIn(client.base(), username, PASSWORD);
    }

    private void openAlerts() {
        browser.openPage("alerts");
    }

    @Test
    void anAdminCreatesAWebhookSeesItsSecretOnceSeesAFailingDeliveryAndDeletesIt() throws Exception {
        try (var receiver = new WebhookReceiver(1_000)) { // answers 500 to everything
            signIn("admin");
            WebDriver web = browser.driver();
            openAlerts();
            web.findElement(By.id("new-webhook-url")).sendKeys(receiver.url());
            web.findElement(By.id("event-key.expiring")).click(); // leave it out, by keyboard-reachable checkbox
            web.findElement(By.id("new-webhook-url")).sendKeys(Keys.ENTER);
            String secret = browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("webhook-secret")))
                    .getDomProperty("value");
            assertThat(secret).startsWith("whsec_");
            assertThat(web.findElement(By.id("webhook-secret-panel")).getText()).contains("shown only once");
            browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("webhooks-table"),
                    receiver.url()));
            assertThat(web.findElement(By.id("webhooks-table")).getText()).contains("budget.threshold, budget.exhausted")
                    .doesNotContain("key.expiring");
            web.findElement(By.id("dismiss-webhook-secret")).click();
            assertThat(web.getPageSource()).doesNotContain(secret);

            // real traffic crosses a threshold; the receiver refuses it, and the page says so
            var key = client.createKey("{\"name\":\"console alerts\",\"limits\":{\"tokensPerDay\":300},\"alertAt\":[10]}");
            assertThat(client.post("/v1/chat/completions", key.secret(), METERED).statusCode()).isEqualTo(200);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.calls().isEmpty());
            String eventId = receiver.calls().getFirst().eventId();
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() -> {
                web.navigate().refresh();
                browser.await().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main[data-page='alerts']")));
                return !web.findElements(By.cssSelector("tr[data-delivery='" + eventId + "']")).isEmpty();
            });
            String row = text(By.cssSelector("tr[data-delivery='" + eventId + "']"));
            assertThat(row).contains("budget.threshold").contains("pending").contains("HTTP 500");
            assertThat(text(By.id("deliveries-summary"))).contains("failing");

            browser.await().ignoring(StaleElementReferenceException.class).until(d -> {
                d.findElement(By.cssSelector("#webhooks-table button.danger")).click();
                return true;
            });
            browser.await().until(ExpectedConditions.alertIsPresent()).accept();
            browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("alerts-notices"),
                    "Webhook deleted"));
            assertThat(text(By.id("webhooks-table"))).doesNotContain(receiver.url());
        }
    }

    /**
     * An element's text, found anew until it holds still: the page renders its tables again as its
     * requests come back, and an element read as it is replaced is stale.
     */
    private String text(By locator) {
        return browser.await().ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElement(locator).getText());
    }

    @Test
    void aViewerSeesWebhooksByOriginAndNoWayToChangeThem() {
        var created = client.admin("POST", "/admin/api/alerts/webhooks",
                "{\"url\":\"http://127.0.0.1:9/services/T0/B0/viewer-must-not-see\",\"events\":[\"key.expiring\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        try {
            signIn("viewer");
            openAlerts();
            WebDriver web = browser.driver();
            assertThat(web.findElement(By.id("webhooks-table")).getText()).contains("http://127.0.0.1:9/…");
            assertThat(web.getPageSource()).doesNotContain("viewer-must-not-see");
            assertThat(web.findElements(By.id("new-webhook"))).isEmpty();
            assertThat(web.findElements(By.cssSelector("#webhooks-table button"))).isEmpty();
        } finally {
            jdbc.update("delete from alert_webhook where url like 'http://127.0.0.1:9/%'");
        }
    }
}
