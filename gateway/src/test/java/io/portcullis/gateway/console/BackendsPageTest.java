package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import tools.jackson.databind.JsonNode;

/**
 * The console's Backends page in a real browser: an admin adds, edits and removes a run-time
 * backend pointing at the test's fake (the shared test gateway allows 127.0.0.1 as a managed
 * backend's host, {@link TestGateway#ALLOWED_HOSTS}); other roles only read; failing traffic shows.
 */
class BackendsPageTest extends GatewayIntegrationTest {

    private static final String PASSWORD = "console password 123";

    @RegisterExtension
    final Browser browser = new Browser();

    private final ScriptedBackend scripted = TestGateway.backend();

    private void signIn(String role) {
        String username = "backends-" + role + "-" + Long.toString(System.nanoTime(), 36);
        var created = client.admin("POST", "/admin/api/accounts",
                "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\",\"role\":\"" + role + "\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        browser.signIn(client.base(), username, PASSWORD);
    }

    private void openBackends() {
        browser.openPage("backends");
    }

    private static By backendRows(String name) {
        return By.cssSelector("#backends-table tbody[data-backend='" + name + "']");
    }

    private JsonNode listed(String name) {
        for (JsonNode d : GatewayClient.json(client.admin("GET", "/admin/api/backends", null)).get("data")) {
            if (d.get("backend").stringValue().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** A run-time backend added through the API, once this replica routes to it. */
    private String managedBackend(String model) {
        String name = "page-" + Long.toString(System.nanoTime(), 36);
        var created = client.admin("POST", "/admin/api/backends", """
                {"name":"%s","baseUrl":"%s","models":["%s"]}""".formatted(name, scripted.baseUrl(name), model));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> listed(name) != null);
        return name;
    }

    private void type(String field, String text) {
        WebElement input = browser.driver().findElement(By.id("backend-" + field));
        input.clear();
        input.sendKeys(text);
    }

    @Test
    void anAdminAddsARunTimeBackendSeesItEditsItsWeightAndRemovesIt() {
        String name = "console-" + Long.toString(System.nanoTime(), 36);
        String model = name + "-model";
        String upstreamKey = "sk-console-upstream-" + System.nanoTime();
        signIn("admin");
        WebDriver web = browser.driver();
        openBackends();

        web.findElement(By.id("add-backend")).click();
        browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("backend-name")));
        type("name", name);
        type("baseUrl", "ftp://" + name);
        type("models", model);
        type("apiKey", upstreamKey);
        web.findElement(By.id("save-backend")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("backend-baseUrl-error"),
                "baseUrl"));
        assertThat(web.findElement(By.id("backend-baseUrl")).getDomAttribute("aria-invalid")).isEqualTo("true");

        type("baseUrl", scripted.baseUrl(name));
        if (web.findElement(By.id("backend-apiKey")).getDomProperty("value").isEmpty()) {
            type("apiKey", upstreamKey);
        }
        web.findElement(By.id("save-backend")).click();
        WebElement rows = browser.await().until(ExpectedConditions.presenceOfElementLocated(backendRows(name)));
        assertThat(rows.getText()).contains(model).contains("run-time").contains("closed").contains("no calls");
        assertThat(rows.findElement(By.cssSelector("td.weight")).getText()).isEqualTo("1");
        assertThat(web.getPageSource()).doesNotContain(upstreamKey);
        var key = client.createKey();
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat(model)).statusCode())
                .isEqualTo(200);
        assertThat(scripted.header(name, "authorization")).isEqualTo("Bearer " + upstreamKey);

        web.findElement(backendRows(name)).findElement(By.cssSelector("button.edit")).click();
        browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("backend-weight")));
        assertThat(web.findElement(By.id("backend-apiKey")).getDomProperty("value")).as("write-only").isEmpty();
        assertThat(web.findElement(By.id("backend-baseUrl")).getDomProperty("value")).isEqualTo(scripted.baseUrl(name));
        type("weight", "0");
        web.findElement(By.id("save-backend")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("backend-weight-error"),
                "between 1 and 1000"));
        type("weight", "7");
        web.findElement(By.id("save-backend")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#backends-table tbody[data-backend='" + name + "'] td.weight"), "7"));
        JsonNode saved = listed(name);
        assertThat(saved.get("weight").intValue()).isEqualTo(7);
        assertThat(saved.get("hasApiKey").booleanValue()).as("the stored key is kept").isTrue();
        assertThat(saved.get("model").stringValue()).isEqualTo(model);
        WebElement edited = web.findElement(backendRows(name));
        assertThat(edited.findElement(By.cssSelector("td.calls")).getText()).as("the call above").isEqualTo("1");
        assertThat(edited.findElement(By.cssSelector("td.error-rate")).getText()).isEqualTo("0.0 % (0 of 1)");
        assertThat(edited.findElement(By.cssSelector("td.latency")).getText()).matches("\\d+ / \\d+ ms");

        web.findElement(backendRows(name)).findElement(By.cssSelector("button.remove")).click();
        browser.await().until(ExpectedConditions.alertIsPresent()).accept();
        browser.await().until(ExpectedConditions.invisibilityOfElementLocated(backendRows(name)));
        assertThat(listed(name)).isNull();
        assertThat(client.admin("DELETE", "/admin/api/backends/" + name, null).statusCode()).isEqualTo(404);
        String audit = client.admin("GET", "/admin/api/audit", null).body();
        assertThat(audit).contains("backend.create").contains("backend.update").contains("backend.delete")
                .doesNotContain(upstreamKey);
    }

    @Test
    void aViewerSeesEveryBackendWithoutEditControls() {
        String name = managedBackend("viewer-page-" + System.nanoTime());
        signIn("viewer");
        WebDriver web = browser.driver();
        openBackends();

        WebElement rows = browser.await().until(ExpectedConditions.presenceOfElementLocated(backendRows(name)));
        assertThat(rows.getText()).contains("run-time");
        assertThat(web.findElement(backendRows(TestGateway.FAKE)).getText()).contains("fake-chat").contains("configured");
        assertThat(web.findElements(By.id("add-backend"))).isEmpty();
        assertThat(web.findElements(By.cssSelector("#backends-table button"))).isEmpty();
        assertThat(web.findElements(By.id("backend-form"))).isEmpty();
        assertThat(web.findElements(By.xpath("//table[@id='backends-table']//th[text()='Actions']"))).isEmpty();
        client.admin("DELETE", "/admin/api/backends/" + name, null);
    }

    @Test
    void anOperatorSeesTheBackendsReadOnly() {
        String name = managedBackend("operator-page-" + System.nanoTime());
        signIn("operator");
        WebDriver web = browser.driver();
        openBackends();

        browser.await().until(ExpectedConditions.presenceOfElementLocated(backendRows(name)));
        assertThat(web.findElements(By.id("add-backend"))).isEmpty();
        assertThat(web.findElements(By.cssSelector("#backends-table button"))).isEmpty();
        client.admin("DELETE", "/admin/api/backends/" + name, null);
    }

    @Test
    void showsTheOpenCircuitAndErrorRateAfterTheBackendAnswers500AndARefresh() {
        String model = "failing-page-" + System.nanoTime();
        String name = managedBackend(model);
        signIn("viewer");
        WebDriver web = browser.driver();
        openBackends();
        By circuit = By.cssSelector("#backends-table tbody[data-backend='" + name + "'] td.circuit");
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(circuit, "closed"));

        scripted.script(name, ScriptedBackend.status(500));
        var key = client.createKey();
        for (int i = 0; i < 2; i++) {
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat(model)).statusCode())
                    .isIn(500, 503);
        }
        assertThat(listed(name).get("circuit").stringValue()).isEqualTo("open");
        web.findElement(By.id("backends-refresh")).click();

        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(circuit, "open"));
        assertThat(web.findElement(circuit).getText()).contains("✕");
        assertThat(web.findElement(backendRows(name)).findElement(By.cssSelector("tr")).getDomAttribute("data-circuit"))
                .isEqualTo("open");
        assertThat(web.findElement(backendRows(name)).findElement(By.cssSelector("td.error-rate")).getText())
                .startsWith("100.0 %");
        client.admin("DELETE", "/admin/api/backends/" + name, null);
    }
}
