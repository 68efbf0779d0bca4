package io.sluice.gateway.testing;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One scrape of {@code /metrics} parsed as the Prometheus text format (version 0.0.4) a scraper reads: every sample
 * line must be {@code name{labels} value} of a family declared by a {@code # TYPE} line, or parsing fails the test.
 * Samples are kept by their series exactly as exposed ({@code name{label="v",...}}).
 */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
            + "(counter|gauge|histogram|summary|untyped)");

    private final Map<String, Double> samples;

    private PrometheusText(Map<String, Double> samples) {
        this.samples = samples;
    }

    public static PrometheusText parse(String exposition) {
        final Map<String, Double> samples = new HashMap<>();
        final Set<String> families = new HashSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            final Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                assertTrue(families.add(type.group(1)), "family declared twice: " + line);
                continue;
            }
            final Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                fail("not a Prometheus sample line: " + line);
            }
            final String name = sample.group(1);
            final String family = name.replaceFirst("_(total|created|bucket|count|sum)$", "");
            if (!families.contains(name) && !families.contains(family)) {
                fail("sample of an undeclared family: " + line);
            }
            final String series = name + (sample.group(2) == null ? "" : sample.group(2));
            if (samples.put(series, Double.parseDouble(sample.group(3).replace("Inf", "Infinity"))) != null) {
                fail("series exposed twice: " + series);
            }
        }
        return new PrometheusText(samples);
    }

    /** The value of {@code series}, or 0 when it is not exposed yet (a counter or histogram not yet touched). */
    public double value(String series) {
        return samples.getOrDefault(series, 0.0);
    }
}
