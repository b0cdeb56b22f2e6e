package dev.ratelimit.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Runs once per test JVM, before Arquillian reads {@code arquillian.xml}: picks free loopback ports, prepares
 * one CATALINA_BASE per Tomcat next to the unpacked distribution, and publishes everything as the system
 * properties {@code arquillian.xml} refers to ({@code ${it.*}}). Nothing here is fixed, so parallel runs on
 * one machine (and whatever listens on 8080) never collide.
 */
public final class ItEnvironment implements LauncherSessionListener {

    static final String[] TOMCATS = {"a", "b"};
    /** Every port WildFly's standalone.xml binds, before the offset. */
    private static final int[] WILDFLY_PORTS = {8080, 8443, 8009, 9990, 9993, 4712, 4713};

    private static boolean prepared;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        prepare();
    }

    static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        Path servers = Paths.get(required("it.servers"));
        set("it.webhook.github-secret", randomSecret());
        set("it.webhook.stripe-secret", "whsec_" + randomSecret());
        set("it.manager.user", "arquillian");
        set("it.manager.password", randomSecret());
        prepareTomcats(servers);
        prepareWildFly(servers);
    }

    private static void prepareTomcats(Path servers) {
        Path home = servers.resolve("apache-tomcat-" + required("it.tomcat.version"));
        if (!Files.isDirectory(home)) {
            return; // unpacked by the build's pre-integration-test phase; absent when run outside Maven
        }
        set("it.tomcat.home", home.toString());
        for (String name : TOMCATS) {
            Path base = servers.resolve("tomcat-base-" + name);
            int http = freePort();
            int jmx = freePort();
            try {
                deleteTree(base);
                for (String dir : new String[] {"conf/Catalina/localhost", "logs", "temp", "webapps", "work"}) {
                    Files.createDirectories(base.resolve(dir));
                }
                for (String file : new String[] {"web.xml", "context.xml", "catalina.properties", "catalina.policy", "logging.properties"}) {
                    Files.copy(home.resolve("conf").resolve(file), base.resolve("conf").resolve(file));
                }
                write(base.resolve("conf/server.xml"), serverXml(http));
                write(base.resolve("conf/tomcat-users.xml"), "<tomcat-users>\n  <role rolename=\"manager-script\"/>\n"
                        + "  <user username=\"" + System.getProperty("it.manager.user") + "\" password=\""
                        + System.getProperty("it.manager.password") + "\" roles=\"manager-script\"/>\n</tomcat-users>\n");
                // The distribution's manager application serves this base too (Arquillian deploys through it).
                write(base.resolve("conf/Catalina/localhost/manager.xml"), "<Context docBase=\""
                        + home.resolve("webapps/manager") + "\" privileged=\"true\"/>\n");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot prepare the Tomcat base " + base, e);
            }
            set("it.tomcat." + name + ".base", base.toString());
            set("it.tomcat." + name + ".http.port", Integer.toString(http));
            set("it.tomcat." + name + ".jmx.port", Integer.toString(jmx));
        }
    }

    /** One HTTP connector on loopback; no shutdown port (Arquillian stops Tomcat with SIGTERM), no AJP; the manager's user. */
    static String serverXml(int httpPort) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<Server port=\"-1\" shutdown=\"SHUTDOWN\">\n"
                + "  <Listener className=\"org.apache.catalina.core.JreMemoryLeakPreventionListener\"/>\n"
                + "  <Listener className=\"org.apache.catalina.core.ThreadLocalLeakPreventionListener\"/>\n"
                + "  <Service name=\"Catalina\">\n"
                + "    <Connector address=\"127.0.0.1\" port=\"" + httpPort + "\" protocol=\"HTTP/1.1\""
                + " maxThreads=\"64\" connectionTimeout=\"20000\"/>\n"
                + "    <Engine name=\"Catalina\" defaultHost=\"localhost\">\n"
                + "      <Realm className=\"org.apache.catalina.realm.MemoryRealm\"/>\n" // conf/tomcat-users.xml
                + "      <Host name=\"localhost\" appBase=\"webapps\" unpackWARs=\"true\" autoDeploy=\"false\"/>\n"
                + "    </Engine>\n"
                + "  </Service>\n"
                + "</Server>\n";
    }

    private static void prepareWildFly(Path servers) {
        Path home = servers.resolve("wildfly-" + required("it.wildfly.version"));
        if (!Files.isDirectory(home)) {
            return;
        }
        Path configuration = home.resolve("standalone/configuration");
        try {
            // A pristine copy of the shipped configuration, so a run that died mid-way leaves no deployment behind.
            Path pristine = configuration.resolve("standalone-pristine.xml");
            if (!Files.exists(pristine)) {
                Files.copy(configuration.resolve("standalone.xml"), pristine);
            }
            // WildFly's shipped configuration as it is: Undertow initializes filters lazily there, and the
            // filter jar's ServletContainerInitializer is what must fail a deployment with a bad init-param.
            Files.copy(pristine, configuration.resolve("standalone-it.xml"), StandardCopyOption.REPLACE_EXISTING);
            deleteTree(home.resolve("standalone/data"));
            deleteTree(home.resolve("standalone/tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare WildFly in " + home, e);
        }
        int offset = freeWildFlyOffset();
        set("it.wildfly.home", home.toString());
        set("it.wildfly.offset", Integer.toString(offset));
        set("it.wildfly.management.port", Integer.toString(9990 + offset));
        set("it.wildfly.http.port", Integer.toString(8080 + offset));
    }

    /** A port offset under which every port WildFly binds is free right now. */
    private static int freeWildFlyOffset() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(10_000, 50_000);
            boolean allFree = true;
            for (int port : WILDFLY_PORTS) {
                allFree &= isFree(port + offset);
            }
            if (allFree) {
                return offset;
            }
        }
        throw new IllegalStateException("No free port offset for WildFly");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String required(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("System property " + name + " is not set: run the tests through Maven (mvn verify)");
        }
        return value;
    }

    private static void set(String name, String value) {
        System.setProperty(name, value);
    }

    private static void write(Path file, String content) throws IOException {
        Files.write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
