package dev.ratelimit.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The one table {@link RunAll} prints: each figure, its baseline from the same run, the ratio, the target. */
final class Report {

    record Row(String figure, String ours, String baseline, String ratio, String target, String met) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> commands = new ArrayList<>();

    void add(String figure, String ours, String baseline, String ratio, String target, String met) {
        rows.add(new Row(figure, ours, baseline, ratio, target, met));
    }

    void command(String figure, String command) {
        commands.add(figure + ": " + command);
    }

    static String perSecond(double value) {
        return String.format(Locale.ROOT, "%,.0f/s", value);
    }

    static String ratio(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String millis(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }

    static String yesNo(boolean met) {
        return met ? "yes" : "NO";
    }

    String text() {
        String[] head = {"figure", "ours", "baseline (same run)", "ratio", "target", "met"};
        int[] width = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            width[i] = head[i].length();
        }
        for (Row r : rows) {
            String[] cells = cells(r);
            for (int i = 0; i < cells.length; i++) {
                width[i] = Math.max(width[i], cells[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, head, width);
        StringBuilder rule = new StringBuilder();
        for (int w : width) {
            rule.append("-".repeat(w)).append("-+-");
        }
        out.append(rule, 0, rule.length() - 3).append('\n');
        for (Row r : rows) {
            line(out, cells(r), width);
        }
        return out.toString();
    }

    String markdown() {
        StringBuilder out = new StringBuilder("| figure | ours | baseline (same run) | ratio | target | met |\n")
                .append("|---|---:|---:|---:|---|---|\n");
        for (Row r : rows) {
            out.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
        out.append("\nCommands (PORT: the run's own redis-server / Tomcat port; -prof gc gives B/op):\n\n");
        for (String c : commands) {
            out.append("- ").append(c.replace("|", "\\|")).append('\n');
        }
        return out.toString();
    }

    private static String[] cells(Row r) {
        return new String[] {r.figure(), r.ours(), r.baseline(), r.ratio(), r.target(), r.met()};
    }

    private static void line(StringBuilder out, String[] cells, int[] width) {
        for (int i = 0; i < cells.length; i++) {
            out.append(String.format(Locale.ROOT, "%-" + width[i] + "s", cells[i]));
            out.append(i == cells.length - 1 ? "\n" : " | ");
        }
    }
}
