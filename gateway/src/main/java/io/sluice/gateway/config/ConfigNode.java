package io.sluice.gateway.config;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the YAML tree with its path ({@code providers[0].timeouts}), read with types and limits. Every
 * error names the field; strings have their {@code ${VAR}} references expanded before they are read.
 */
final class ConfigNode {
    /** A day and a time apart, and the time and its offset apart: {@code 2027-01-31 12:00:00 +01:00}. */
    private static final Pattern YAML11_SPACES =
            Pattern.compile("^(\\d{4}-\\d{2}-\\d{2})[ \\t]+([^ \\t]+)[ \\t]*(.*)$");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(us|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?");

    private final String path;
    private final Map<?, ?> values;
    private final EnvResolver env;

    ConfigNode(String path, Object value, EnvResolver env) {
        this.path = path;
        this.env = env;
        if (value == null) {
            this.values = Map.of();
        } else if (value instanceof Map<?, ?> map) {
            this.values = map;
        } else {
            throw new ConfigException(describe(path) + ": expected a mapping of fields");
        }
    }

    /** Fails on any field not in {@code known}, so that a misspelt setting is not silently ignored. */
    ConfigNode allowOnly(String... known) {
        final List<String> allowed = Arrays.asList(known);
        for (Object key : values.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new ConfigException(field(String.valueOf(key)) + ": unknown field (known: "
                        + String.join(", ", allowed) + ")");
            }
        }
        return this;
    }

    String path() {
        return path;
    }

    boolean has(String key) {
        return values.get(key) != null;
    }

    /** The names of this mapping's fields, in file order. */
    List<String> keys() {
        return values.keySet().stream().map(String::valueOf).toList();
    }

    String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigNode child(String key) {
        return new ConfigNode(field(key), values.get(key), env);
    }

    /** The mappings of a list field; an absent field is an empty list. */
    List<ConfigNode> children(String key) {
        final List<ConfigNode> nodes = new ArrayList<>();
        final List<?> items = list(key);
        for (int i = 0; i < items.size(); i++) {
            nodes.add(new ConfigNode(field(key) + "[" + i + "]", items.get(i), env));
        }
        return nodes;
    }

    /** The strings of a list field. */
    List<String> strings(String key) {
        final List<String> out = new ArrayList<>();
        final List<?> items = list(key);
        for (int i = 0; i < items.size(); i++) {
            out.add(scalar(field(key) + "[" + i + "]", items.get(i)));
        }
        return List.copyOf(out);
    }

    /** A mapping of names to strings, in file order. */
    Map<String, String> stringMap(String key) {
        final Object value = values.get(key);
        final Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(field(key) + ": expected a mapping of names to values");
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            final String name = String.valueOf(entry.getKey());
            out.put(name, scalar(field(key) + "." + name, entry.getValue()));
        }
        return Collections.unmodifiableMap(out);
    }

    String string(String key, String fallback) {
        final Object value = values.get(key);
        return value == null ? fallback : scalar(field(key), value);
    }

    String requiredString(String key) {
        final String value = string(key, null);
        if (value == null || value.isBlank()) {
            throw new ConfigException(field(key) + ": required");
        }
        return value;
    }

    int integer(String key, int fallback, int min, int max) {
        final String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        try {
            final int value = Integer.parseInt(text.strip());
            if (value < min || value > max) {
                throw new ConfigException(field(key) + ": " + value + " is outside " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(field(key) + ": '" + text + "' is not a whole number");
        }
    }

    /** A number with an optional fraction, such as a rate per second. */
    double decimal(String key, double fallback, double min, double max) {
        final String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        try {
            final double value = Double.parseDouble(text.strip());
            if (!(value >= min && value <= max)) {
                throw new ConfigException(field(key) + ": " + text.strip() + " is outside " + min + ".." + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(field(key) + ": '" + text + "' is not a number");
        }
    }

    /**
     * An ISO-8601 time ({@code 2027-01-31T00:00:00Z}; without an offset, in UTC), or a day ({@code 2027-01-31}, its
     * start in UTC). YAML 1.1's spaces are taken too ({@code 2027-01-31 12:00:00 +01:00}), as that is how it read an
     * unquoted time.
     */
    Instant instant(String key) {
        final String text = string(key, null);
        if (text == null) {
            return null;
        }
        final String iso = YAML11_SPACES.matcher(text.strip()).replaceFirst("$1T$2$3");
        try {
            return DateTimeFormatter.ISO_DATE_TIME.withZone(ZoneOffset.UTC).parse(iso, Instant::from);
        } catch (DateTimeParseException notATime) {
            try {
                return LocalDate.parse(iso).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notADay) {
                throw new ConfigException(field(key) + ": '" + text + "' is not a time such as 2027-01-31T00:00:00Z");
            }
        }
    }

    boolean bool(String key, boolean fallback) {
        final String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        final Boolean value = ConfigYaml.truth(text);
        if (value == null) {
            throw new ConfigException(field(key) + ": '" + text + "' is not true or false");
        }
        return value;
    }

    /** A duration written with a unit: {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
    Duration duration(String key, Duration fallback) {
        return duration(key, fallback, false);
    }

    /**
     * A duration that may be shorter than a millisecond ({@code 100us} too). Only a field read this way takes
     * microseconds: the others are timeouts and intervals that timers and headers count in milliseconds, where
     * {@code 500us} would become 0 and turn them off.
     */
    Duration fineDuration(String key, Duration fallback) {
        return duration(key, fallback, true);
    }

    private Duration duration(String key, Duration fallback, boolean micros) {
        final String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        final Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new ConfigException(field(key) + ": '" + text + "' is not a duration (write "
                    + (micros ? "100us, " : "") + "500ms, 2s, 5m or 1h)");
        }
        if (!micros && m.group(2).equals("us")) {
            throw new ConfigException(field(key) + ": '" + text + "' is in microseconds, which this field does not "
                    + "take (write 1ms or more)");
        }
        try {
            final long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "us" -> Duration.of(amount, ChronoUnit.MICROS);
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(field(key) + ": '" + text + "' is too long a duration");
        }
    }

    /** A size in bytes: a number, or with a binary unit ({@code 512KiB}, {@code 100MB}, {@code 1g}). */
    long bytes(String key, long fallback) {
        final String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        final Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(field(key) + ": '" + text + "' is not a size (write 65536, 64KiB or 100MiB)");
        }
        final String unit = m.group(2) == null ? "b" : m.group(2);
        try {
            final long amount = Long.parseLong(m.group(1));
            return switch (unit.charAt(0)) {
                case 'k' -> Math.multiplyExact(amount, 1L << 10);
                case 'm' -> Math.multiplyExact(amount, 1L << 20);
                case 'g' -> Math.multiplyExact(amount, 1L << 30);
                default -> amount;
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(field(key) + ": '" + text + "' is too large a size");
        }
    }

    /** One of a fixed set of lower-case words. */
    String choice(String key, String fallback, String... choices) {
        final String value = string(key, fallback).strip().toLowerCase(Locale.ROOT);
        if (!Arrays.asList(choices).contains(value)) {
            throw new ConfigException(field(key) + ": '" + value + "' is not one of " + String.join(", ", choices));
        }
        return value;
    }

    private List<?> list(String key) {
        final Object value = values.get(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> items)) {
            throw new ConfigException(field(key) + ": expected a list");
        }
        return items;
    }

    private String scalar(String field, Object value) {
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw new ConfigException(field + ": expected a single value");
        }
        return env.expand(String.valueOf(value), field);
    }

    private static String describe(String path) {
        return path.isEmpty() ? "the config file" : path;
    }
}
