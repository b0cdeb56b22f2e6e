package dev.ratelimit.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PNG charts of a run, drawn by gnuplot (Debian's {@code gnuplot-nox}) from data files the sections write into
 * {@code <bench.work>/charts}: one clustered bar chart per file, a group per row, a bar per column. Sections run in
 * separate invocations of {@code run.sh} (as {@code run.sh all} does) add up: every chart whose data exists is
 * drawn again at the end of each run. Without gnuplot the data files stay and the reason is printed.
 */
final class Charts {

    /** A chart: its data file's name, title and y-axis label. */
    private record Chart(String name, String title, String xLabel, String yLabel) {
    }

    private static final List<Chart> CHARTS = List.of(
            new Chart("jmh-10k", "JMH token bucket, 10,000 identities: decisions per second", "JMH threads",
                    "decisions/s"),
            new Chart("jmh-hot", "JMH token bucket, one hot identity: decisions per second", "JMH threads",
                    "decisions/s"),
            new Chart("e2e-rps", "End to end (Tomcat, 16 connections): requests per second", "", "requests/s"),
            new Chart("e2e-p99", "End to end (Tomcat, 16 connections): p99 latency", "", "ms"),
            new Chart("e2e-cpu", "End to end (16 connections): Tomcat process CPU per request", "",
                    "µs CPU / request"),
            new Chart("fleet-rps", "Fleet, hot identity: one Tomcat vs two sharing Redis", "", "requests/s"));

    private Charts() {
    }

    /** Writes {@code charts/<name>.dat}: a header line naming the columns, then one row per group. */
    static void data(Path work, String name, String header, List<String> rows) throws IOException {
        Path dir = Files.createDirectories(work.resolve("charts"));
        List<String> lines = new ArrayList<>();
        lines.add(header);
        lines.addAll(rows);
        Files.write(dir.resolve(name + ".dat"), lines, StandardCharsets.UTF_8);
    }

    /** Draws every chart whose data exists; prints why not where it cannot. */
    static void render(Path work) throws IOException, InterruptedException {
        Path dir = work.resolve("charts");
        if (!Files.isDirectory(dir)) {
            return;
        }
        if (!onPath("gnuplot")) {
            System.out.println("[bench] gnuplot not on PATH (Debian: apt-get install -y gnuplot-nox): charts not drawn;"
                    + " their data is in " + dir);
            return;
        }
        for (Chart chart : CHARTS) {
            Path data = dir.resolve(chart.name() + ".dat");
            if (!Files.exists(data)) {
                continue;
            }
            int columns = Files.readAllLines(data).get(0).trim().split("\\s+").length;
            Path script = dir.resolve(chart.name() + ".gp");
            Files.writeString(script, String.join("\n",
                    "set terminal pngcairo size 900,480 font ',10'",
                    "set output '" + chart.name() + ".png'",
                    "set title '" + chart.title() + "'",
                    "set xlabel '" + chart.xLabel() + "'",
                    "set ylabel '" + chart.yLabel() + "'",
                    "set style data histograms",
                    "set style histogram cluster gap 1",
                    "set style fill solid 0.85 border -1",
                    "set boxwidth 0.9",
                    "set datafile missing '?'",
                    "set key outside below center horizontal",
                    "set yrange [0:*]",
                    "set grid ytics",
                    "plot for [i=2:" + columns + "] '" + chart.name() + ".dat' using i:xtic(1) title columnheader(i)",
                    ""));
            Process gnuplot = new ProcessBuilder("gnuplot", script.getFileName().toString()).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve(chart.name() + ".gnuplot.log").toFile()).start();
            if (!gnuplot.waitFor(30, TimeUnit.SECONDS) || gnuplot.exitValue() != 0) {
                gnuplot.destroyForcibly();
                System.out.println("[bench] gnuplot failed for " + chart.name() + ": see " + chart.name() + ".gnuplot.log");
            } else {
                System.out.println("[bench] chart " + dir.resolve(chart.name() + ".png"));
            }
        }
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
