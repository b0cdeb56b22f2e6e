package dev.ratelimit.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one benchmark method at one thread count in one forked JVM (with {@code -prof gc}) and keeps
 * its score, allocation per operation and the equivalent command line.
 */
final class Jmh {

    /** One measured figure. */
    record Figure(String label, double opsPerSecond, double error, double bytesPerOp, String command) {
    }

    private final String redisUrl;
    private final Path work;
    private final int warmupIterations = Integer.getInteger("bench.wi", 4);
    private final int iterations = Integer.getInteger("bench.i", 3);
    private final int warmupSeconds = Integer.getInteger("bench.w", 2);
    private final int iterationSeconds = Integer.getInteger("bench.r", 2);
    private final List<Figure> figures = new ArrayList<>();

    Jmh(String redisUrl, Path work) {
        this.redisUrl = redisUrl;
        this.work = work;
    }

    Figure run(String label, Class<?> benchmark, String method, int threads, String... params) throws RunnerException {
        String name = benchmark.getName() + "." + method;
        Map<String, String> paramMap = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            paramMap.put(params[i], params[i + 1]);
        }
        String log = work.resolve("jmh-" + label.replaceAll("[^A-Za-z0-9]+", "-") + ".log").toString();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(Pattern.quote(name) + "$")
                .threads(threads)
                .forks(1)
                .warmupIterations(warmupIterations)
                .warmupTime(TimeValue.seconds(warmupSeconds))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(iterationSeconds))
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend("-D" + BenchRedis.URL_PROPERTY + "=" + redisUrl, "-Dbench.work=" + work,
                        "-Xms1g", "-Xmx1g")
                .shouldFailOnError(true)
                .output(log);
        paramMap.forEach(options::param);
        Collection<RunResult> results = new Runner(options.build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException(label + ": expected one result, got " + results.size() + " (see " + log + ")");
        }
        RunResult result = results.iterator().next();
        Result<?> primary = result.getPrimaryResult();
        double bytesPerOp = Double.NaN;
        for (Map.Entry<String, Result> e : result.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                bytesPerOp = e.getValue().getScore();
            }
        }
        StringBuilder command = new StringBuilder("java -cp ratelimit-benchmarks/target/benchmarks.jar org.openjdk.jmh.Main '")
                .append(benchmark.getSimpleName()).append('.').append(method).append("$' -t ").append(threads)
                .append(" -f 1 -wi ").append(warmupIterations).append(" -w ").append(warmupSeconds).append("s -i ")
                .append(iterations).append(" -r ").append(iterationSeconds).append("s -prof gc");
        paramMap.forEach((k, v) -> command.append(" -p ").append(k).append("='").append(v).append('\''));
        command.append(" -jvmArgsAppend '-D").append(BenchRedis.URL_PROPERTY).append("=redis://127.0.0.1:PORT -Xms1g -Xmx1g'");
        Figure figure = new Figure(label, primary.getScore(), primary.getScoreError(), bytesPerOp, command.toString());
        figures.add(figure);
        System.out.printf("[bench] %-44s %,14.0f ops/s  ±%,10.0f  %,8.0f B/op%n", label, figure.opsPerSecond(),
                figure.error(), bytesPerOp);
        return figure;
    }

    List<Figure> figures() {
        return figures;
    }
}
