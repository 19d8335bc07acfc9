package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
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
        browser.signIn(client.base(), username, PASSWORD);
        return username;
    }

    private void open(String page) {
        browser.openPage(page);
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
    void movesAKeyIntoATeamAndSetsItsLimitsAndPolicyFromTheKeysPage() {
        String team = "key home " + System.nanoTime();
        String teamId = GatewayClient.json(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + team + "\"}"))
                .get("id").stringValue();
        String name = "movable " + System.nanoTime();
        var key = client.createKey("{\"name\":\"" + name + "\"}");
        signIn("operator");
        WebDriver web = browser.driver();
        open("keys");

        web.findElement(By.id("key-search")).sendKeys(name);
        browser.await().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#keys-table tbody tr"), 1));
        web.findElement(By.xpath("//tr[td[text()='" + name + "']]//button[contains(@class,'edit')]")).click();
        new org.openqa.selenium.support.ui.Select(browser.await().until(
                ExpectedConditions.visibilityOfElementLocated(By.id("edit-key-team")))).selectByVisibleText(team);
        web.findElement(By.id("edit-key-limit-tokensPerDay")).sendKeys("5000");
        web.findElement(By.id("edit-key-limit-spendPerMonthUsd")).sendKeys("1.25");
        web.findElement(By.id("edit-key-policy-cidrs")).sendKeys("10.0.0.0/33");
        web.findElement(By.id("save-key")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(
                By.id("edit-key-policy-cidrs-error"), "10.0.0.0/33"));
        web.findElement(By.id("edit-key-policy-cidrs")).clear();
        web.findElement(By.id("edit-key-policy-cidrs")).sendKeys("10.0.0.0/8, 127.0.0.1/32");
        web.findElement(By.id("save-key")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("keys-table"), team));

        var stored = GatewayClient.json(client.admin("GET", "/admin/api/keys/" + key.id(), null));
        assertThat(stored.get("teamId").stringValue()).isEqualTo(teamId);
        assertThat(stored.at("/limits/tokensPerDay").longValue()).isEqualTo(5000);
        assertThat(stored.at("/limits/spendPerMonthUsd").stringValue()).isEqualTo("1.250000");
        assertThat(stored.at("/policy/allowedCidrs").toString()).isEqualTo("[\"10.0.0.0/8\",\"127.0.0.1/32\"]");
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
        assertThat(web.findElement(By.cssSelector("#backends tr[data-backend='fake']")).getText()).contains("fake-chat")
                .containsIgnoringCase("closed");

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
    void listsAKeysRequestsNewestFirstAndFiltersThemByOutcome() {
        String name = "requests page " + System.nanoTime();
        var key = client.createKey("{\"name\":\"" + name + "\",\"models\":[\"fake-chat\"]}");
        var served = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        assertThat(served.statusCode()).isEqualTo(200);
        var refused = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-embed"));
        assertThat(refused.statusCode()).isEqualTo(403);
        String first = served.headers().firstValue("x-request-id").orElseThrow();
        String second = refused.headers().firstValue("x-request-id").orElseThrow();
        awaitUsageRows(key.id(), 2);

        signIn("viewer");
        WebDriver web = browser.driver();
        open("requests");
        web.findElement(By.id("requests-key")).sendKeys(key.id());
        web.findElement(By.id("requests-run")).click();
        By rows = By.cssSelector("#requests-table[data-filters*='keyId=" + key.id() + "'] tbody tr[data-request-id]");
        browser.await().until(ExpectedConditions.numberOfElementsToBe(rows, 2));
        assertThat(web.findElements(rows)).extracting(r -> r.getDomAttribute("data-request-id"))
                .as("newest first").containsExactly(second, first);
        assertThat(web.findElement(rows).getText()).contains(name).contains("model_not_allowed");
        assertThat(web.findElement(By.id("requests-older")).isEnabled()).isFalse();

        new org.openqa.selenium.support.ui.Select(web.findElement(By.id("requests-outcome"))).selectByValue("success");
        web.findElement(By.id("requests-model")).sendKeys("fake-chat", org.openqa.selenium.Keys.ENTER);
        By filtered = By.cssSelector("#requests-table[data-filters*='outcome=success'] tbody tr[data-request-id]");
        browser.await().until(ExpectedConditions.numberOfElementsToBe(filtered, 1));
        rows = filtered;
        assertThat(web.findElement(rows).getDomAttribute("data-request-id")).isEqualTo(first);
        assertThat(web.findElement(rows).getText()).contains("success").contains("200");
    }

    @Test
    void createsATeamWhoseEditedLimitIsSavedAndEnforcedAndItsRejectionsShowOnTheOverview() {
        signIn("operator");
        WebDriver web = browser.driver();
        open("teams");
        String name = "browser team " + System.nanoTime();

        web.findElement(By.id("new-team-name")).sendKeys(name);
        web.findElement(By.id("create-team")).click();
        By row = By.xpath("//table[@id='teams-table']//tr[td/button[text()='" + name + "']]");
        String teamId = browser.await().until(ExpectedConditions.presenceOfElementLocated(row))
                .getDomAttribute("data-team-id");

        web.findElement(row).findElement(By.cssSelector("button.edit")).click();
        var perMinute = browser.await().until(ExpectedConditions.visibilityOfElementLocated(
                By.id("edit-team-limit-requestsPerMinute")));
        perMinute.sendKeys("0");
        web.findElement(By.id("save-team")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(
                By.id("edit-team-limit-requestsPerMinute-error"), "whole number from 1"));
        perMinute.clear();
        perMinute.sendKeys("2");
        web.findElement(By.id("save-team")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-notices"), "saved"));
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(row, "Requests per minute: 2"));

        var stored = GatewayClient.json(client.admin("GET", "/admin/api/teams/" + teamId, null));
        assertThat(stored.at("/limits/requestsPerMinute").longValue()).isEqualTo(2);
        var member = client.createKey("{\"name\":\"limited member\",\"teamId\":\"" + teamId + "\"}");
        assertThat(client.post("/v1/chat/completions", member.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
        assertThat(client.post("/v1/chat/completions", member.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
        var refused = client.post("/v1/chat/completions", member.secret(), GatewayClient.chat("fake-chat"));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(GatewayClient.json(refused).at("/error/code").stringValue()).isEqualTo("rate_limit_exceeded");

        awaitUsageRows(member.id(), 3);
        open("overview");
        By rejections = By.cssSelector("#rejections tr[data-outcome='rate_limit_exceeded'] td.num");
        long shown = Long.parseLong(browser.await().until(ExpectedConditions.presenceOfElementLocated(rejections))
                .getText().replace(",", ""));
        assertThat(shown).isGreaterThanOrEqualTo(1);
    }

    @Test
    void showsATeamsUsageAgainstItsBudgetAfterTrafficWithNoEditButtonsForAViewer() {
        String name = "budgeted " + System.nanoTime();
        String teamId = GatewayClient.json(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + name
                + "\",\"limits\":{\"tokensPerMonth\":1000000,\"spendPerMonthUsd\":\"5\"}}")).get("id").stringValue();
        var member = client.createKey("{\"name\":\"budget user " + System.nanoTime() + "\",\"teamId\":\""
                + teamId + "\"}");
        for (int i = 0; i < 3; i++) {
            assertThat(client.post("/v1/chat/completions", member.secret(), GatewayClient.chat("fake-chat"))
                    .statusCode()).isEqualTo(200);
        }
        awaitUsageRows(member.id(), 3);
        String monthStart = YearMonth.now(ZoneOffset.UTC).atDay(1).toString();
        var usage = GatewayClient.json(client.admin("GET", "/admin/api/usage?groupBy=team&teamId=" + teamId
                + "&from=" + monthStart, null)).at("/data/0");
        long tokens = usage.get("promptTokens").longValue() + usage.get("completionTokens").longValue();
        long spendMicros = usage.get("costUsd").decimalValue().movePointRight(6).longValueExact();
        assertThat(tokens).isPositive();
        assertThat(spendMicros).isPositive();

        signIn("viewer");
        WebDriver web = browser.driver();
        open("teams");
        By teamRow = By.cssSelector("#teams-table tr[data-team-id='" + teamId + "']");
        var tokensBar = browser.await().until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#teams-table tr[data-team-id='" + teamId + "'] .budget.tokens-month")));

        assertThat(tokensBar.getDomAttribute("data-used")).isEqualTo(String.valueOf(tokens));
        assertThat(tokensBar.getDomAttribute("data-limit")).isEqualTo("1000000");
        assertThat(tokensBar.findElement(By.tagName("progress")).getDomAttribute("value"))
                .isEqualTo(String.valueOf(tokens));
        var spendBar = web.findElement(teamRow).findElement(By.cssSelector(".budget.spend-month"));
        assertThat(spendBar.getDomAttribute("data-used")).isEqualTo(String.valueOf(spendMicros));
        assertThat(spendBar.getDomAttribute("data-limit")).isEqualTo("5000000");
        assertThat(web.findElements(By.cssSelector("#create-team-form, #teams-table button.edit,"
                + " #teams-table button.delete"))).isEmpty();

        web.findElement(teamRow).findElement(By.cssSelector("button.open")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-keys"), "budget user"));
        assertThat(web.findElements(By.cssSelector("#team-keys tbody tr"))).hasSize(1);
    }

    @Test
    void refusingToDeleteATeamThatStillHasKeysIsExplainedInThePage() {
        String name = "busy team " + System.nanoTime();
        String teamId = GatewayClient.json(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + name + "\"}"))
                .get("id").stringValue();
        client.createKey("{\"name\":\"still here\",\"teamId\":\"" + teamId + "\"}");
        signIn("operator");
        WebDriver web = browser.driver();
        open("teams");
        By row = By.cssSelector("#teams-table tr[data-team-id='" + teamId + "']");

        browser.await().until(ExpectedConditions.presenceOfElementLocated(row)).findElement(By.cssSelector("button.delete"))
                .click();
        browser.await().until(ExpectedConditions.alertIsPresent()).accept();

        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-not-empty"),
                "still has 1 active key"));
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-keys"), "still here"));
        assertThat(web.findElements(row)).hasSize(1);
        assertThat(client.admin("GET", "/admin/api/teams/" + teamId, null).statusCode()).isEqualTo(200);
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
    void aViewerFollowsTheFooterLinkToTheAdminApisOpenApiDocument() {
        signIn("viewer");
        WebDriver web = browser.driver();

        web.findElement(By.id("openapi-link")).click();

        browser.await().until(ExpectedConditions.urlContains("/admin/api/openapi.json"));
        assertThat(web.getPageSource()).contains("\"openapi\"").contains("Portcullis admin API");
    }

    @Test
    void thePricingPageShowsCatalogAndConfiguredPricesAndNamesUnpricedModelsInWords() {
        signIn("viewer");
        WebDriver web = browser.driver();
        open("pricing");

        String claude = web.findElement(By.cssSelector("#pricing-table tr[data-model='claude']")).getText();
        assertThat(claude).contains("priced as claude-haiku-4-5").contains("$1.00").contains("$5.00")
                .contains("catalog, read").contains("docs.anthropic.com");
        assertThat(web.findElement(By.cssSelector("#pricing-table tr[data-model='fake-chat']")).getText())
                .contains("$2.50").contains("$10.00").contains("configuration");
        var unpriced = web.findElement(By.cssSelector("#pricing-table tr[data-model='fake-embed']"));
        assertThat(unpriced.getDomAttribute("class")).contains("unpriced");
        assertThat(unpriced.getText()).contains("Unpriced").contains("Billed $0");
        assertThat(web.findElement(By.id("unpriced-summary")).getText()).contains("no price").contains("fake-embed")
                .doesNotContain("fake-chat,");
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
