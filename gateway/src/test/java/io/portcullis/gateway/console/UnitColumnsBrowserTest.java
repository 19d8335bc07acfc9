package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.usage.UsageRecord;
import io.portcullis.policy.quota.Units;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Units in the console: the usage and requests tables grow a column for a unit only when the rows
 * shown have some, and the pricing page shows unit prices and a free model as free.
 */
class UnitColumnsBrowserTest extends GatewayIntegrationTest {

    private static final String PASSWORD = "console password 123";

    @RegisterExtension
    final Browser browser = new Browser();

    @Autowired
    UsageLedger ledger;

    private void signInAsViewer() {
        String username = "units-viewer-" + Long.toString(System.nanoTime(), 36);
        assertThat(client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + username + "\",\"password\":\""
                + PASSWORD + "\",\"role\":\"viewer\"}").statusCode()).isEqualTo(201);
        browser.signIn(client.base(), username, PASSWORD);
    }

    private void open(String page) {
        browser.openPage(page);
    }

    private List<String> headers(String tableId) {
        return browser.driver().findElements(By.cssSelector("#" + tableId + " thead th")).stream()
                .map(th -> th.getDomProperty("textContent")).toList(); // the DOM text: CSS shows headers in capitals
    }

    @Test
    void theUsageAndRequestsTablesShowAUnitColumnOnlyWhenTheRowsHaveThatUnit() {
        String name = "images " + System.nanoTime();
        var key = client.createKey("{\"name\":\"" + name + "\"}");
        ledger.record(new UsageRecord(UUID.randomUUID(), null, UUID.fromString(key.id()), null, "fake-chat", "fake",
                "chat", 200, "success", false, 0, 0, 0, 80_000, 9, null, Instant.now(), BilledBy.REPORTED,
                new Units(0, 0, 2)));
        var tokensOnly = client.createKey();
        assertThat(client.post("/v1/chat/completions", tokensOnly.secret(), GatewayClient.chat("fake-chat"))
                .statusCode()).isEqualTo(200);
        awaitUsageRows(key.id(), 1);
        awaitUsageRows(tokensOnly.id(), 1);

        signInAsViewer();
        WebDriver web = browser.driver();
        open("usage");
        new Select(web.findElement(By.id("usage-group"))).selectByValue("key");
        web.findElement(By.id("usage-run")).click();
        By row = By.xpath("//table[@id='usage-table']//tr[td[text()='" + name + "']]");
        browser.await().until(ExpectedConditions.presenceOfElementLocated(row));
        List<String> usageHeaders = headers("usage-table");
        int images = usageHeaders.indexOf("Images");
        assertThat(images).as("columns: %s", usageHeaders).isPositive();
        assertThat(web.findElement(row).findElements(By.tagName("td")).get(images).getText()).isEqualTo("2");

        open("requests");
        web.findElement(By.id("requests-key")).sendKeys(key.id());
        web.findElement(By.id("requests-run")).click();
        By rows = By.cssSelector("#requests-table[data-filters*='keyId=" + key.id() + "'] tbody tr[data-request-id]");
        browser.await().until(ExpectedConditions.numberOfElementsToBe(rows, 1));
        List<String> requestHeaders = headers("requests-table");
        assertThat(requestHeaders).contains("Images").doesNotContain("Audio (s)", "Characters");
        assertThat(web.findElement(rows).findElements(By.tagName("td")).get(requestHeaders.indexOf("Images")).getText())
                .isEqualTo("2");

        var keyField = web.findElement(By.id("requests-key"));
        keyField.clear();
        keyField.sendKeys(tokensOnly.id());
        web.findElement(By.id("requests-run")).click();
        browser.await().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(
                "#requests-table[data-filters*='keyId=" + tokensOnly.id() + "'] tbody tr[data-request-id]"), 1));
        assertThat(headers("requests-table")).as("a token-only page keeps its narrow table")
                .doesNotContain("Images", "Audio (s)", "Characters").contains("Cost (USD)");
    }

    @Test
    void thePricingPageShowsUnitPricesAndAFreeModelAsFree() {
        signInAsViewer();
        WebDriver web = browser.driver();
        open("pricing");

        assertThat(web.findElement(By.cssSelector("#pricing-table tr[data-model='units-whisper']")).getText())
                .contains("$0.0001 per second of audio").contains("priced as whisper-1");
        assertThat(web.findElement(By.cssSelector("#pricing-table tr[data-model='units-tts']")).getText())
                .contains("$16.00 per million characters").contains("configuration");
        var moderation = web.findElement(By.cssSelector("#pricing-table tr[data-model='units-moderation']"));
        assertThat(moderation.getText()).contains("Free ($0)").doesNotContain("Unpriced");
        assertThat(web.findElement(By.id("unpriced-summary")).getText()).doesNotContain("units-moderation");
    }
}
