package dev.ratelimit.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.management.RateLimitControlMBean;

/** src/docs/metrics.md names exactly the metrics and control members the code has. */
class MetricsDocsTest {

    private static final String DOC = read();

    private static String read() {
        try {
            return Files.readString(Path.of("..", "src", "docs", "metrics.md"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> tableNames() {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("^\\| `([a-zA-Z-]+)(?:\\([^)]*\\))?` \\|", Pattern.MULTILINE).matcher(DOC);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void documents_every_metric_and_control_member_and_no_other() throws Exception {
        Set<String> inCode = new TreeSet<>();
        for (Field f : MetricNames.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && !f.getName().equals("PREFIX")) {
                inCode.add((String) f.get(null));
            }
        }
        for (Method m : RateLimitControlMBean.class.getMethods()) {
            inCode.add(m.getName().startsWith("get") ? m.getName().substring(3) : m.getName());
        }
        assertThat(tableNames()).isEqualTo(inCode);
    }
}
