package dev.ratelimit.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** A JMX connection to a running server, as jconsole would open it. */
final class ServerJmx implements AutoCloseable {

    private final JMXConnector connector;
    private final MBeanServerConnection connection;

    private ServerJmx(String url) {
        try {
            connector = JMXConnectorFactory.connect(new JMXServiceURL(url));
            connection = connector.getMBeanServerConnection();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot connect to " + url, e);
        }
    }

    /** Tomcat's platform MBean server over RMI on the loopback port arquillian.xml gives it. */
    static ServerJmx tomcat(String name) {
        return new ServerJmx("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + System.getProperty("it.tomcat." + name + ".jmx.port")
                + "/jmxrmi");
    }

    /** WildFly's MBeans through its management port (remoting-jmx; local user authentication). */
    static ServerJmx wildfly() {
        return new ServerJmx("service:jmx:remote+http://127.0.0.1:" + System.getProperty("it.wildfly.management.port"));
    }

    /** The names of the MBeans an application registered in the limiter's domain. */
    Set<ObjectName> ratelimitMBeans(String application) {
        try {
            return connection.queryNames(new ObjectName("dev.ratelimit:app=" + application + ",*"), null);
        } catch (IOException | javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Invokes an operation of the application's control MBean with string arguments (booleans as such), as jconsole would. */
    Object invokeControl(String application, String operation, Object... args) {
        String[] signature = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            signature[i] = args[i] instanceof Boolean ? "boolean" : String.class.getName();
        }
        try {
            return connection.invoke(control(application), operation, args, signature);
        } catch (IOException | javax.management.JMException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An attribute of the application's control MBean. */
    Object controlAttribute(String application, String attribute) {
        try {
            return connection.getAttribute(control(application), attribute);
        } catch (IOException | javax.management.JMException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectName control(String application) throws javax.management.MalformedObjectNameException {
        return new ObjectName("dev.ratelimit:app=" + application + ",type=Control,name=control");
    }

    /** The names of the server's live threads. */
    List<String> threadNames() {
        try {
            ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(connection,
                    ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
            return Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds())).filter(Objects::nonNull)
                    .map(ThreadInfo::getThreadName).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
