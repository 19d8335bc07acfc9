package io.portcullis.gateway.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by its chromedriver, both taken from the PATH, where the
 * gateway's build puts them before its tests ({@code gateway/ensure-browser.sh}; no Selenium Manager
 * download). Register as an extension: when a test fails, a screenshot and the page source are saved
 * under {@code target/selenium/} before the browser closes.
 */
public final class Browser implements AfterTestExecutionCallback, AutoCloseable {

    private ChromeDriver driver;
    private Path profile;

    public ChromeDriver driver() {
        if (driver == null) {
            try {
                profile = Files.createTempDirectory("portcullis-chromium-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            var options = new ChromeOptions().setBinary(onPath("chromium").toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                    "--window-size=1366,900",
                    "--lang=en-US", // date inputs take keys in the locale's order (mm/dd/yyyy here)
                    "--user-data-dir=" + profile);
            var service = new ChromeDriverService.Builder().usingDriverExecutable(onPath("chromedriver").toFile())
                    .usingAnyFreePort().build();
            driver = new ChromeDriver(service, options);
        }
        return driver;
    }

    /** The executable the build's ensure-browser.sh found, so the tests drive the browser it checked. */
    private static Path onPath(String name) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not on the PATH: install Debian's chromium"
                        + " and chromium-driver (the gateway's build does, before its tests, where it may)"));
    }

    /** Signs in on the console's login page of the gateway at {@code base}, and waits until the console greets the user. */
    public void signIn(String base, String username, String password) {
        WebDriver web = driver();
        web.get(base + "/admin/");
        await().until(ExpectedConditions.urlContains("/admin/login.html"));
        web.findElement(By.id("username")).sendKeys(username);
        web.findElement(By.id("password")).sendKeys(password);
        web.findElement(By.id("sign-in")).click();
        await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), username));
    }

    /** Opens a console page from the navigation; its module renders after the link is marked, so waits for its content. */
    public void openPage(String page) {
        driver().findElement(By.cssSelector("nav a[href='#/" + page + "']")).click();
        awaitPage(page);
    }

    /** Waits until the console shows {@code page}. */
    public void awaitPage(String page) {
        await().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main[data-page='" + page + "']")));
    }

    public WebDriverWait await() {
        return new WebDriverWait(driver(), Duration.ofSeconds(20)); // generous: a loaded 2-core CI box
    }

    @Override
    public void afterTestExecution(ExtensionContext context) throws IOException {
        if (context.getExecutionException().isPresent() && driver != null) {
            Path dir = Path.of("target", "selenium");
            Files.createDirectories(dir);
            String name = context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName();
            Files.write(dir.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
            Files.writeString(dir.resolve(name + ".html"), driver.getPageSource());
        }
        close();
    }

    @Override
    public void close() {
        if (driver != null) {
            driver.quit();
            driver = null;
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover temporary profile is harmless
            }
            profile = null;
        }
    }
}
