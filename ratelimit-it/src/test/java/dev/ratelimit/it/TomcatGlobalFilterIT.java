package dev.ratelimit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ratelimit.testing.TestRedis;

/**
 * The drop-in jar as an operator installs it: {@code ratelimit-filter-<version>-all.jar} in {@code $CATALINA_BASE/lib}
 * and one global filter in {@code conf/web.xml}, on the real Tomcat 9 distribution, serving two applications that
 * contain no ratelimit jar at all; one of them bundles its own Jedis, Commons Pool, Metrics and SLF4J. Each
 * application counts under its own key prefix ({@code ratelimit:{context}}). No Arquillian: Tomcat is started
 * with {@code catalina.sh run}, as a service would.
 */
class TomcatGlobalFilterIT {

    private static TestRedis redis;
    private static Process tomcat;
    private static Path base;
    private static URL shop;
    private static URL blog;

    @BeforeAll
    static void startTomcat() throws Exception {
        redis = TestRedis.start();
        Path home = Paths.get(System.getProperty("it.servers"), "apache-tomcat-" + System.getProperty("it.tomcat.version"));
        base = Paths.get(System.getProperty("it.servers"), "tomcat-base-global");
        int port = ItEnvironment.freePort();
        ItEnvironment.deleteTree(base);
        for (String dir : new String[] {"conf", "lib", "logs", "temp", "webapps/shop/WEB-INF/lib", "webapps/blog", "work"}) {
            Files.createDirectories(base.resolve(dir));
        }
        for (String file : new String[] {"context.xml", "catalina.properties", "catalina.policy", "logging.properties"}) {
            Files.copy(home.resolve("conf").resolve(file), base.resolve("conf").resolve(file));
        }
        Files.writeString(base.resolve("conf/server.xml"), ItEnvironment.serverXml(port));
        Files.writeString(base.resolve("conf/tomcat-users.xml"), "<tomcat-users/>\n");
        Files.writeString(base.resolve("conf/web.xml"), withGlobalFilter(Files.readString(home.resolve("conf/web.xml"))));
        Files.copy(dropInJar(), base.resolve("lib/ratelimit-filter-all.jar"));

        Files.writeString(base.resolve("webapps/shop/hello.txt"), "shop");
        Files.writeString(base.resolve("webapps/blog/hello.txt"), "blog");
        // The shop brings its own copies of what the filter uses inside: they must not meet.
        try (DirectoryStream<Path> libs = Files.newDirectoryStream(Paths.get(System.getProperty("it.libs")),
                "{jedis,commons-pool2,metrics-core,slf4j-api}-*.jar")) {
            for (Path lib : libs) {
                Files.copy(lib, base.resolve("webapps/shop/WEB-INF/lib").resolve(lib.getFileName()));
            }
        }

        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/catalina.sh").toString(), "run")
                .redirectErrorStream(true).redirectOutput(base.resolve("logs/console.log").toFile());
        builder.environment().put("CATALINA_HOME", home.toString());
        builder.environment().put("CATALINA_BASE", base.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("CATALINA_OPTS", "-Xms32m -Xmx160m -XX:+UseSerialGC");
        home.resolve("bin/catalina.sh").toFile().setExecutable(true);
        tomcat = builder.start();
        shop = new URL("http://127.0.0.1:" + port + "/shop/");
        blog = new URL("http://127.0.0.1:" + port + "/blog/");
        awaitStarted(new URL("http://127.0.0.1:" + port + "/"), Duration.ofSeconds(90));
    }

    private static String withGlobalFilter(String webXml) {
        String filter = "\n  <!-- ratelimit: one limit for every application, each counted apart -->\n"
                + "  <filter>\n"
                + "    <filter-name>global-limit</filter-name>\n"
                + "    <filter-class>dev.ratelimit.servlet.RateLimitFilter</filter-class>\n"
                + "    <init-param><param-name>limits</param-name><param-value>3/1m</param-value></init-param>\n"
                + "    <init-param><param-name>redis-url</param-name><param-value>" + redis.url() + "</param-value></init-param>\n"
                + "    <init-param><param-name>key-prefix</param-name><param-value>ratelimit:{context}</param-value></init-param>\n"
                + "  </filter>\n"
                + "  <filter-mapping>\n"
                + "    <filter-name>global-limit</filter-name>\n"
                + "    <url-pattern>/*</url-pattern>\n"
                + "  </filter-mapping>\n";
        int end = webXml.lastIndexOf("</web-app>");
        return webXml.substring(0, end) + filter + webXml.substring(end);
    }

    private static Path dropInJar() throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Paths.get(System.getProperty("it.dropin")), "ratelimit-filter-*-all.jar")) {
            for (Path jar : jars) {
                return jar;
            }
        }
        throw new IllegalStateException("No ratelimit-filter-*-all.jar in " + System.getProperty("it.dropin"));
    }

    /** Tomcat deploys its applications before it opens the connector: the first answer means both are up. */
    private static void awaitStarted(URL root, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(tomcat.isAlive()).as("Tomcat exited; see %s", base.resolve("logs/console.log")).isTrue();
            try {
                Http.get(root, "");
                return;
            } catch (RuntimeException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("Tomcat did not start within " + timeout + "; see " + base.resolve("logs/console.log"));
    }

    @AfterAll
    static void stopTomcat() throws Exception {
        if (tomcat != null) {
            tomcat.destroy(); // SIGTERM: catalina.sh run exec'd the JVM, whose shutdown hook stops Tomcat
            if (!tomcat.waitFor(30, TimeUnit.SECONDS)) {
                tomcat.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void limits_each_application_under_its_own_key_prefix() {
        for (int remaining = 2; remaining >= 0; remaining--) {
            HttpResponse<String> ok = Http.get(shop, "hello.txt");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("shop");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(remaining));
        }
        HttpResponse<String> denied = Http.get(shop, "hello.txt");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.body()).contains("\"code\":\"RATE_LIMIT_EXCEEDED\"");

        // The same client, the same filter, another application: its own counter.
        HttpResponse<String> other = Http.get(blog, "hello.txt");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.body()).isEqualTo("blog");
        assertThat(other.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");

        assertThat(redis.command("KEYS", "ratelimit:shop:api:*")).contains("ratelimit:shop:api:");
        assertThat(redis.command("KEYS", "ratelimit:blog:api:*")).contains("ratelimit:blog:api:");
    }

    @Test
    void logs_through_java_util_logging_into_tomcats_log() throws IOException {
        String console = Files.readString(base.resolve("logs/console.log"), StandardCharsets.UTF_8);
        assertThat(console).contains("Rate-limit filter 'global-limit' ready").contains("dev.ratelimit.servlet.RateLimitFilter");
        assertThat(console).doesNotContain("SLF4J(W)").doesNotContain("SEVERE");
    }
}
