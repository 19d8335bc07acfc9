package io.portcullis.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Browser;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The console as a developer sees it, in a real browser: their keys and usage, and no staff page. */
class DeveloperConsoleBrowserTest extends GatewayIntegrationTest {

    private static final String PASSWORD = "console password 123";

    @RegisterExtension
    final Browser browser = new Browser();

    private String team() {
        var created = client.admin("POST", "/admin/api/teams", "{\"name\":\"browser devs " + System.nanoTime()
                + "\",\"limits\":{\"tokensPerMonth\":1000000},\"developerKeyLimits\":{\"models\":[\"fake-chat\"],"
                + "\"limits\":{\"tokensPerDay\":20000}}}");
        assertThat(created.statusCode()).isEqualTo(201);
        return GatewayClient.json(created).get("id").stringValue();
    }

    private String signInAsDeveloper(String teamId) {
        String username = "browser-dev-" + Long.toString(System.nanoTime(), 36);
        var created = client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + username + "\",\"password\":\""
                + PASSWORD + "\",\"role\":\"developer\",\"teamIds\":[\"" + teamId + "\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        browser.signIn(client.base(), username, PASSWORD);
        return username;
    }

    private void awaitPage(String page) {
        browser.awaitPage(page);
    }

    @Test
    void aDeveloperCreatesAKeyCopiesASnippetAndSeesItsUsage() {
        String team = team();
        signInAsDeveloper(team);
        WebDriver web = browser.driver();
        awaitPage("mykeys");
        String name = "browser dev key " + System.nanoTime();

        web.findElement(By.id("new-key-name")).sendKeys(name);
        web.findElement(By.id("create-key")).click();
        String secret = browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("secret-value")))
                .getDomProperty("value");

        assertThat(secret).startsWith("gw-");
        for (String snippet : List.of("curl", "python", "node")) {
            assertThat(web.findElement(By.id("snippet-" + snippet)).getText()).as(snippet).contains(secret)
                    .contains("fake-chat").contains(client.base() + "/v1");
        }
        assertThat(web.findElement(By.id("snippet-curl")).getText()).contains("Authorization: Bearer " + secret);
        for (int i = 0; i < 2; i++) {
            assertThat(client.post("/v1/chat/completions", secret, GatewayClient.chat("fake-chat")).statusCode())
                    .isEqualTo(200);
        }
        web.findElement(By.id("dismiss-secret")).click();
        assertThat(web.getPageSource()).doesNotContain(secret);
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("my-keys-table"), name));
        String keyId = web.findElement(By.xpath("//tr[td[text()='" + name + "']]")).getDomAttribute("data-key-id");
        awaitUsageRows(keyId, 2);

        web.findElement(By.cssSelector("nav a[href='#/myusage']")).click();
        awaitPage("myusage");
        WebElement model = web.findElement(By.cssSelector("#my-usage-table tr.key-model[data-key-id='" + keyId + "']"));
        assertThat(model.getText()).contains("fake-chat").contains("2");
        assertThat(web.findElement(By.cssSelector("#my-usage-table tr.key-total[data-key-id='" + keyId + "']")).getText())
                .contains(name);
        assertThat(web.findElement(By.cssSelector("#my-team-budgets [data-team-id='" + team + "']")).getText())
                .contains("Tokens this month").contains("1,000,000");
    }

    @Test
    void anOperatorOpensATeamToDevelopersFromTheTeamsPage() {
        String teamName = "opened by browser " + System.nanoTime();
        String teamId = GatewayClient.json(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + teamName
                + "\"}")).get("id").stringValue();
        String username = "browser-op-" + Long.toString(System.nanoTime(), 36);
        assertThat(client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + username + "\",\"password\":\""
                + PASSWORD + "\",\"role\":\"operator\"}").statusCode()).isEqualTo(201);
        browser.signIn(client.base(), username, PASSWORD);
        browser.openPage("teams");
        WebDriver web = browser.driver();

        By row = By.xpath("//table[@id='teams-table']//tr[td/button[text()='" + teamName + "']]");
        browser.await().until(ExpectedConditions.presenceOfElementLocated(row)).findElement(By.cssSelector("button.edit"))
                .click();
        browser.await().until(ExpectedConditions.presenceOfElementLocated(By.id("edit-team-dev-enabled")));
        web.findElement(By.cssSelector("#edit-team-form details:last-of-type summary")).click();
        web.findElement(By.id("edit-team-dev-enabled")).click();
        web.findElement(By.id("edit-team-dev-limit-tokensPerDay")).sendKeys("1234");
        web.findElement(By.id("edit-team-dev-policy-models")).sendKeys("fake-chat");
        web.findElement(By.id("save-team")).click();
        browser.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("team-notices"), "saved"));

        var bound = GatewayClient.json(client.admin("GET", "/admin/api/teams/" + teamId, null)).get("developerKeyLimits");
        assertThat(bound.at("/limits/tokensPerDay").longValue()).isEqualTo(1234);
        assertThat(bound.get("models").toString()).isEqualTo("[\"fake-chat\"]");
        assertThat(bound.get("maxKeysPerDeveloper").intValue()).isEqualTo(10);
    }

    @Test
    void aDeveloperSeesNoStaffPageNotEvenByTypingItsAddress() {
        signInAsDeveloper(team());
        WebDriver web = browser.driver();
        awaitPage("mykeys");

        for (String page : List.of("overview", "keys", "teams", "usage", "requests", "pricing", "audit", "accounts")) {
            assertThat(web.findElements(By.cssSelector("nav a[href='#/" + page + "']")))
                    .as(page).allMatch(a -> !a.isDisplayed());
        }
        assertThat(web.findElement(By.cssSelector("nav a[href='#/mykeys']")).isDisplayed()).isTrue();
        assertThat(web.findElement(By.id("openapi-link")).isDisplayed()).isFalse();

        for (String page : List.of("keys", "accounts", "audit")) {
            web.get(client.base() + "/admin/#/myusage");
            awaitPage("myusage");
            web.get(client.base() + "/admin/#/" + page);
            awaitPage("mykeys");
            assertThat(web.findElement(By.tagName("h1")).getText()).as(page).isEqualTo("My keys");
        }
    }
}
