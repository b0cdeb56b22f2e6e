package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.app.ParameterNames;

/** The README table, the filter's Javadoc table and the code list the same parameters. */
class ParameterDocsTest {

    private static Set<String> parametersInCode() throws IllegalAccessException {
        Set<String> names = new TreeSet<>();
        for (Field field : RateLimitFilter.class.getFields()) {
            if (field.getName().startsWith("PARAM_") && Modifier.isStatic(field.getModifiers())) {
                names.add((String) field.get(null));
            }
        }
        return names;
    }

    private static Set<String> matches(String text, String regex) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void readme_documents_every_parameter_and_no_other() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Parameters"));
        section = section.substring(0, section.indexOf("\n## ", 3));
        assertThat(matches(section, "^\\| `([a-z0-9-]+)` \\|")).isEqualTo(parametersInCode());
    }

    @Test
    void the_filter_accepts_exactly_the_parameters_it_documents() throws IllegalAccessException {
        assertThat(new TreeSet<>(ParameterNames.ALL)).isEqualTo(parametersInCode());
    }

    @Test
    void filter_javadoc_documents_every_parameter_and_no_other() throws IOException, IllegalAccessException {
        String source = Files.readString(Path.of("src/main/java/dev/ratelimit/servlet/RateLimitFilter.java"));
        assertThat(matches(source, "^ \\* <tr><td>([a-z0-9-]+)</td>")).isEqualTo(parametersInCode());
    }
}
