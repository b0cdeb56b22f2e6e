package dev.ratelimit.servlet;

import static dev.ratelimit.servlet.StatusPageApp.ADMIN;
import static dev.ratelimit.servlet.StatusPageApp.ADMIN_PASSWORD;
import static dev.ratelimit.servlet.StatusPageApp.STATUS;
import static dev.ratelimit.servlet.StatusPageApp.VIEWER;
import static dev.ratelimit.servlet.StatusPageApp.VIEWER_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import com.codahale.metrics.Meter;

import dev.ratelimit.core.metrics.MetricNames;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * The status page in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver})
 * driven by Selenium against a real Tomcat whose filters count in a real Redis. It renders with its style
 * (the CSP hash matches), lists a client after its denials, lets a role holder reset that client with a click,
 * refuses the click without the token, and shows no actions to a user without the role. The last test takes
 * the screenshot for the README: {@code -Dstatus-page.screenshot=<file.png>} also copies it there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusPageBrowserTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static String chromium;
    private static String chromedriver;
    private static StatusPageApp apps;
    private final List<WebDriver> drivers = new ArrayList<>();
    private final List<Path> profiles = new ArrayList<>();

    @BeforeAll
    static void start() {
        chromium = executable("chromium", "chromium-browser").orElse(null);
        chromedriver = executable("chromedriver").orElse(null);
        if (chromium == null || chromedriver == null) {
            String reason = "skipped: the status page's browser tests need chromium and chromedriver on the PATH"
                    + " (Debian: apt-get install -y chromium chromium-driver); found chromium=" + chromium
                    + " chromedriver=" + chromedriver;
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        apps = new StatusPageApp(REDIS.url());
    }

    @AfterAll
    static void stop() {
        if (apps != null) {
            apps.close();
        }
    }

    @AfterEach
    void quitBrowsers() throws IOException {
        drivers.forEach(WebDriver::quit);
        for (Path profile : profiles) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static Optional<String> executable(String... names) {
        String path = System.getenv("PATH");
        for (String name : names) {
            for (String dir : (path == null ? "/usr/bin" : path).split(File.pathSeparator)) {
                File file = new File(dir, name);
                if (file.isFile() && file.canExecute()) {
                    return Optional.of(file.getAbsolutePath());
                }
            }
        }
        return Optional.empty();
    }

    /** A fresh headless Chromium with its own empty profile (no cached sign-in from another test). */
    private WebDriver browser() {
        Path profile;
        try {
            profile = Files.createTempDirectory("chromium-profile");
            profiles.add(profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--user-data-dir=" + profile, "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        drivers.add(driver);
        return driver;
    }

    private static String url(String userInfo, String host, String pathAndQuery) {
        return "http://" + (userInfo == null ? "" : userInfo + "@") + host + ":" + apps.port() + pathAndQuery;
    }

    private static List<String> identities(WebDriver browser) {
        List<String> shown = new ArrayList<>();
        for (WebElement cell : browser.findElements(By.cssSelector("#top-identities td.identity"))) {
            shown.add(cell.getText());
        }
        return shown;
    }

    private static WebElement resetButtonOf(WebDriver browser, String identity) {
        return browser.findElement(By.xpath("//table[@id='top-identities']//tr[td[@class='identity']/code[text()='"
                + identity + "']]//button[@class='reset']"));
    }

    @Test
    @Order(1)
    void the_page_renders_with_its_style_and_lists_a_client_after_its_denials() {
        apps.requestsFrom("/app", "198.51.100.23", 5);
        WebDriver browser = browser();
        browser.get(url(null, "127.0.0.1", "/app" + STATUS));

        assertThat(browser.getTitle()).isEqualTo("Rate limits: app");
        assertThat(browser.findElement(By.cssSelector("#policies tr[data-policy='api-limit']")).getText())
                .contains("api-limit", "2/1h", "fixed-window", "ip", "open");
        assertThat(browser.findElements(By.cssSelector("#policies tr[data-policy='api-limit'] svg.spark rect"))).hasSize(15);
        assertThat(identities(browser)).contains("ip=198.51.100.23");
        assertThat(browser.findElement(By.cssSelector("#redis")).getText()).contains("UP", "breaker=closed");
        assertThat(browser.findElements(By.cssSelector("button.reset"))).as("loopback alone may not act").isEmpty();
        assertThat(browser.findElement(By.cssSelector("#policies th")).getCssValue("background-color"))
                .as("the style block ran: its hash is in the CSP").isEqualTo("rgba(243, 243, 243, 1)");
    }

    @Test
    @Order(2)
    void a_role_holder_resets_a_denied_client_with_one_click() {
        apps.requestsFrom("/app", "198.51.100.24", 5);
        WebDriver browser = browser();
        browser.get(url(ADMIN + ":" + ADMIN_PASSWORD, "127.0.0.1", "/app" + STATUS + "?login"));
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("signed in as ops (ratelimit-admin)");

        resetButtonOf(browser, "ip=198.51.100.24").click();

        assertThat(awaitElement(browser, By.id("notice")).getText()).startsWith("api-limit: deleted 1 key(s) of ip=198.51.100.24 (version ")
                .as("the other instances forget their local denials too").endsWith(" on every instance)");
        assertThat(apps.get("127.0.0.1", "/app/api/x", "X-Forwarded-For", "198.51.100.24").statusCode())
                .as("the client is admitted again").isEqualTo(200);
    }

    @Test
    @Order(3)
    void the_same_click_without_the_token_is_refused() {
        apps.requestsFrom("/app", "198.51.100.25", 5);
        WebDriver browser = browser();
        browser.get(url(ADMIN + ":" + ADMIN_PASSWORD, "127.0.0.1", "/app" + STATUS + "?login"));
        WebElement button = resetButtonOf(browser, "ip=198.51.100.25");
        // What a forged form from another site amounts to: everything but the token.
        ((JavascriptExecutor) browser).executeScript(
                "arguments[0].form.querySelector('input[name=token]').remove()", button);
        button.click();

        assertThat(awaitBodyText(browser, "The form's token is missing or stale")).contains("The form's token is missing or stale");
        assertThat(apps.get("127.0.0.1", "/app/api/x", "X-Forwarded-For", "198.51.100.25").statusCode())
                .as("still limited").isEqualTo(429);
    }

    @Test
    @Order(4)
    void a_user_without_the_role_gets_no_action_on_loopback_and_403_from_elsewhere() {
        apps.requestsFrom("/app", "198.51.100.26", 5);
        WebDriver browser = browser();
        browser.get(url(VIEWER + ":" + VIEWER_PASSWORD, "127.0.0.1", "/app" + STATUS + "?login"));
        assertThat(browser.findElement(By.tagName("body")).getText()).contains("loopback, signed in as viewer: read-only");
        assertThat(identities(browser)).contains("ip=198.51.100.26");
        assertThat(browser.findElements(By.cssSelector("button.reset"))).isEmpty();

        String remote = StatusPageApp.nonLoopbackAddress().orElse(null);
        assumeTrue(remote != null, "skipped the remote half: this machine has no non-loopback IPv4 address");
        WebDriver fromElsewhere = browser();
        fromElsewhere.get(url(VIEWER + ":" + VIEWER_PASSWORD, remote, "/app" + STATUS));
        assertThat(fromElsewhere.findElement(By.tagName("body")).getText())
                .contains("answers loopback and users in the role 'ratelimit-admin' only");
        assertThat(fromElsewhere.findElements(By.id("top-identities"))).isEmpty();
    }

    /** A busy minute, seen by a role holder: the picture in the README. */
    @Test
    @Order(5)
    void screenshot_of_a_busy_minute() throws IOException {
        apps.requestsFrom("/app", "203.0.113.50", 40);
        apps.requestsFrom("/app", "203.0.113.51", 17);
        apps.requestsFrom("/app", "2001:db8:4::17", 9);
        apps.requestsFrom("/app", "198.51.100.99", 4);
        for (int i = 0; i < 6; i++) {
            apps.get("127.0.0.1", "/app/keyed/x", "X-Api-Key", "partner-key-7");
        }
        apps.runtime(apps.app).control().setLimits("key-limit", "5/1h");
        try {
            // Meters move their one-minute rate every 5 s: wait for the first tick rather than sleep a fixed time.
            Meter denied = apps.runtime(apps.app).metrics().registry().getMeters()
                    .get(MetricNames.policy("api-limit", MetricNames.DENIED));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (denied.getOneMinuteRate() == 0 && System.nanoTime() < deadline) {
                apps.requestsFrom("/app", "203.0.113.50", 1);
                sleep(500);
            }
            ChromeDriver browser = (ChromeDriver) browser();
            browser.get(url(ADMIN + ":" + ADMIN_PASSWORD, "127.0.0.1", "/app" + STATUS + "?login"));
            assertThat(identities(browser)).startsWith("ip=203.0.113.50");
            // The whole page in one picture: a viewport as tall as the document.
            long height = (Long) browser.executeScript("return document.documentElement.scrollHeight");
            browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", 1100, "height", height, "deviceScaleFactor", 1, "mobile", false));
            Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
            Path target = Paths.get("target", "status-page.png");
            Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
            String copy = System.getProperty("status-page.screenshot");
            if (copy != null && !copy.isEmpty()) {
                Files.copy(shot, Paths.get(copy), StandardCopyOption.REPLACE_EXISTING);
            }
            assertThat(Files.size(target)).isGreaterThan(10_000);
        } finally {
            apps.runtime(apps.app).control().setLimits("key-limit", "1/1h");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After a click the answer may still be loading (seen once on a fresh-clone run): wait up to 10 s for it. */
    private static WebElement awaitElement(WebDriver browser, By by) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<WebElement> found = browser.findElements(by);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            pause();
            found = browser.findElements(by);
        }
        return found.isEmpty() ? browser.findElement(by) : found.get(0);
    }

    /** The page's text once it contains {@code expected}, or as it is after 10 s. */
    private static String awaitBodyText(WebDriver browser, String expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String text = bodyText(browser);
        while (!text.contains(expected) && System.nanoTime() < deadline) {
            pause();
            text = bodyText(browser);
        }
        return text;
    }

    private static String bodyText(WebDriver browser) {
        try {
            return browser.findElement(By.tagName("body")).getText();
        } catch (StaleElementReferenceException replacedWhileRead) {
            return "";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
