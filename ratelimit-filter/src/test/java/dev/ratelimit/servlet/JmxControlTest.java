package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;

import org.apache.catalina.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.testing.TestRedis;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * Metrics and the control MBean read and driven through a real JMX connector (RMI on a loopback port),
 * as jconsole would, against two applications in one running Tomcat.
 */
class JmxControlTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static EmbeddedTomcat tomcat;
    private static Context blog;
    private static Registry rmiRegistry;
    private static JMXConnectorServer connectorServer;
    private static JMXConnector connector;
    private static MBeanServerConnection jmx;

    @BeforeAll
    static void start() throws Exception {
        tomcat = new EmbeddedTomcat();
        tomcat.deploy("/shop", params("shop", "3/1h"), Map.of());
        blog = tomcat.deploy("/blog", params("blog", "100/1h"), Map.of());

        int port = TestRedis.freePort();
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
        rmiRegistry = LocateRegistry.createRegistry(port);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(url, null, ManagementFactory.getPlatformMBeanServer());
        connectorServer.start();
        connector = JMXConnectorFactory.connect(url);
        jmx = connector.getMBeanServerConnection();
    }

    @AfterAll
    static void stop() throws Exception {
        connector.close();
        connectorServer.stop();
        UnicastRemoteObject.unexportObject(rmiRegistry, true);
        tomcat.close();
    }

    /** Each application its own key-prefix, as operators should do when WARs share a Redis. */
    private static Map<String, String> params(String app, String limits) {
        Map<String, String> params = new HashMap<>();
        params.put("key-prefix", app);
        params.put("redis-url", REDIS.url());
        params.put("limits", limits);
        params.put("timeout", "2s");
        params.put("pool-max-wait", "2s");
        return params;
    }

    private static ObjectName meter(String app, String metric) throws Exception {
        return new ObjectName("dev.ratelimit:app=" + app + ",type=meters,name=ratelimit.policy.limit." + metric);
    }

    private static long count(String app, String metric) throws Exception {
        return (Long) jmx.getAttribute(meter(app, metric), "Count");
    }

    private static ObjectName control(String app) throws Exception {
        return new ObjectName("dev.ratelimit:app=" + app + ",type=Control,name=control");
    }

    private static Object invoke(String app, String operation, Object... args) throws Exception {
        String[] signature = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            signature[i] = args[i] instanceof Boolean ? "boolean" : String.class.getName();
        }
        return jmx.invoke(control(app), operation, args, signature);
    }

    @Test
    void counts_match_the_requests_and_runtime_changes_apply_to_the_next_request() throws Exception {
        tomcat.deploy("/count", params("count", "3/1h"), Map.of());
        long allowedBefore = count("count", "allowed");
        long deniedBefore = count("count", "denied");
        int[] statuses = new int[5];
        for (int i = 0; i < 5; i++) {
            statuses[i] = tomcat.get("/count/cart").statusCode();
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
        assertThat(count("count", "allowed") - allowedBefore).isEqualTo(3);
        assertThat(count("count", "denied") + count("count", "deny-cache-hits") - deniedBefore).isGreaterThanOrEqualTo(2);
        assertThat(count("count", "denied") - deniedBefore).isEqualTo(2);
        assertThat((Long) jmx.getAttribute(
                new ObjectName("dev.ratelimit:app=count,type=timers,name=ratelimit.policy.limit.store-latency"), "Count"))
                .isGreaterThanOrEqualTo(3);

        String[] policies = (String[]) jmx.getAttribute(control("count"), "Policies");
        assertThat(policies).singleElement().asString().contains("policy=limit", "limits=[3/1h]");

        invoke("count", "setLimits", "limit", "10/1h");
        assertThat(tomcat.get("/count/cart").statusCode()).as("the next request sees 10/1h").isEqualTo(200);
        invoke("count", "setLimits", "limit", "3/1h");
        assertThat(tomcat.get("/count/cart").statusCode()).isEqualTo(429);

        assertThat((String) invoke("count", "resetIdentity", "limit", "ip=127.0.0.1")).contains("deleted 1 key(s)");
        assertThat(tomcat.get("/count/cart").statusCode()).as("counting from zero after the reset").isEqualTo(200);
    }

    @Test
    void dry_run_toggled_at_runtime_counts_would_be_denials_but_never_blocks() throws Exception {
        tomcat.deploy("/dry", params("dry", "1/1h"), Map.of());
        tomcat.get("/dry/");
        assertThat(tomcat.get("/dry/").statusCode()).isEqualTo(429);
        invoke("dry", "setDryRun", "limit", true);
        long before = count("dry", "dry-run-denied");
        assertThat(tomcat.get("/dry/").statusCode()).isEqualTo(200);
        assertThat(tomcat.get("/dry/").statusCode()).isEqualTo(200);
        assertThat(count("dry", "dry-run-denied") - before).isEqualTo(2);
        invoke("dry", "setDryRun", "limit", false);
        assertThat(tomcat.get("/dry/").statusCode()).isEqualTo(429);
    }

    @Test
    void shows_and_forces_the_redis_breaker() throws Exception {
        tomcat.deploy("/breaker", params("breaker", "100/1h"), Map.of());
        tomcat.get("/breaker/");
        String gauge = "dev.ratelimit:app=breaker,type=gauges,name=ratelimit.redis.127.0.0.1-" + REDIS.redis().port() + "-0.";
        assertThat(jmx.getAttribute(new ObjectName(gauge + "breaker-state"), "Value")).isEqualTo("closed");
        assertThat((Integer) jmx.getAttribute(new ObjectName(gauge + "pool-idle"), "Value")).isPositive();
        assertThat((Long) jmx.getAttribute(new ObjectName(gauge + "pipelined-calls"), "Value")).isNotNegative();
        assertThat((Integer) jmx.getAttribute(new ObjectName(gauge + "pipeline-waiters"), "Value")).isZero();
        invoke("breaker", "forceBreakersOpen");
        try {
            assertThat((String[]) jmx.getAttribute(control("breaker"), "BreakerStates")).singleElement().asString().endsWith("forced-open");
            assertThat(tomcat.get("/breaker/cart").headers().firstValue("X-RateLimit-Limit"))
                    .as("failure mode open: allowed without counting").isEmpty();
        } finally {
            invoke("breaker", "forceBreakersClosed");
        }
        assertThat(((String[]) jmx.getAttribute(control("breaker"), "StoreHealth"))[0]).startsWith("UP");
    }

    @Test
    void two_applications_have_distinct_mbeans_and_undeploying_removes_them() throws Exception {
        Set<ObjectName> shop = jmx.queryNames(new ObjectName("dev.ratelimit:app=shop,*"), null);
        Set<ObjectName> blogNames = jmx.queryNames(new ObjectName("dev.ratelimit:app=blog,*"), null);
        assertThat(shop).isNotEmpty().doesNotContainAnyElementsOf(blogNames);
        assertThat(blogNames).contains(control("blog"), meter("blog", "allowed"));

        tomcat.undeploy(blog);
        assertThat(jmx.queryNames(new ObjectName("dev.ratelimit:app=blog,*"), null)).isEmpty();
        assertThat(jmx.queryNames(new ObjectName("dev.ratelimit:app=shop,*"), null)).isNotEmpty();
    }
}
