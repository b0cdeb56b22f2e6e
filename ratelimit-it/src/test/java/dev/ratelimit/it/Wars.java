package dev.ratelimit.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jboss.shrinkwrap.api.ArchivePath;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.ClassLoaderAsset;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jboss.shrinkwrap.resolver.api.maven.Maven;
import org.jboss.shrinkwrap.resolver.api.maven.MavenResolvedArtifact;

/** The WARs the tests deploy. */
final class Wars {

    /** What the example bundles so that Tomcat, which has none, can run JAX-RS. */
    private static final String[] BUNDLED_JAXRS = {
        "org.glassfish.jersey.containers:jersey-container-servlet",
        "org.glassfish.jersey.inject:jersey-hk2",
        "jakarta.ws.rs:jakarta.ws.rs-api",
    };

    private Wars() {
    }

    /** The example application exactly as the reactor built it ({@code webapp-example/target/webapp-example.war}). */
    static WebArchive example() {
        File war = Paths.get(System.getProperty("it.wars"), "webapp-example.war").toFile();
        return ShrinkWrap.createFromZipFile(WebArchive.class, war);
    }

    /**
     * The same WAR without the JAX-RS runtime it bundles for Tomcat: what {@code -Djaxrs.scope=provided} builds, so
     * WildFly's own RESTEasy serves {@code /rest}. The jars removed are exactly Jersey's dependency closure, resolved
     * from the example's pom (offline: the reactor build has just downloaded them), so no list here can drift.
     */
    static WebArchive exampleWithoutBundledJaxrs() {
        WebArchive war = example();
        Set<String> jaxrsJars = Maven.configureResolver().workOffline()
                .loadPomFromFile(Paths.get("..", "webapp-example", "pom.xml").toFile())
                .resolve(BUNDLED_JAXRS).withTransitivity().asList(MavenResolvedArtifact.class).stream()
                .map(artifact -> artifact.asFile().getName()).collect(Collectors.toSet());
        List<ArchivePath> removed = war.getContent(path -> path.get().startsWith("/WEB-INF/lib/")
                && jaxrsJars.contains(path.get().substring("/WEB-INF/lib/".length()))).keySet().stream()
                .collect(Collectors.toList());
        if (removed.stream().noneMatch(path -> path.get().contains("jersey-server"))) {
            throw new IllegalStateException("Expected Jersey in the example WAR; its libraries: " + war.toString(true));
        }
        removed.forEach(war::delete);
        return war;
    }

    /** A WAR with the filter and its runtime libraries, this web.xml, and {@code ok.txt} under each of {@code dirs}. */
    static WebArchive limited(String name, WebXml webXml, String... dirs) {
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addAsLibraries(filterLibraries())
                .setWebXML(new StringAsset(webXml.build()))
                .add(new StringAsset("ok"), "ok.txt");
        for (String dir : dirs) {
            war.add(new StringAsset("ok"), dir + "/ok.txt");
        }
        return war;
    }

    /**
     * The WAR with {@link HoldServlet}'s class file in WEB-INF/classes, copied as a resource: loading the class here
     * would need the Servlet API in the test JVM, and in ratelimit-it-jakarta the class is the transformed one.
     */
    static WebArchive withHoldServlet(WebArchive war) {
        String file = HoldServlet.CLASS_NAME.replace('.', '/') + ".class";
        return war.add(new ClassLoaderAsset(file), "WEB-INF/classes/" + file);
    }

    /** ratelimit-filter and its runtime dependency closure, copied by the build into target/it-libs. */
    private static File[] filterLibraries() {
        Path libs = Paths.get(System.getProperty("it.libs"));
        try (Stream<Path> jars = Files.list(libs)) {
            File[] files = jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toFile).toArray(File[]::new);
            if (Arrays.stream(files).noneMatch(f -> f.getName().startsWith("ratelimit-filter-"))) {
                throw new IllegalStateException("ratelimit-filter is missing from " + libs);
            }
            return files;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list " + libs, e);
        }
    }
}
