package io.sluice.gateway.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} in config values, from the environment first and then from
 * a {@code .env} file beside the config file, so secrets can stay out of the YAML.
 *
 * <p>As in the shell, {@code :-} uses the default when the variable is unset or empty. A variable that is unset
 * and has no default is an error naming the field, not a silent empty string.
 */
public final class EnvResolver {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    /** Values shorter than this are not redacted: they are not secrets, and would mangle the message. */
    private static final int MIN_REDACTED = 4;

    private final Function<String, String> lookup;
    /** Every value a reference expanded to, with the reference, so error messages can show the one for the other. */
    private final Map<String, String> expanded = new HashMap<>();

    public EnvResolver(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** The process environment, then the {@code .env} file in {@code dir} if there is one. */
    public static EnvResolver forConfigDir(Path dir, Map<String, String> environment) {
        final Map<String, String> dotEnv = readDotEnv(dir == null ? null : dir.resolve(".env"));
        return new EnvResolver(name -> {
            final String value = environment.get(name);
            return value != null ? value : dotEnv.get(name);
        });
    }

    /** {@code text} with every reference expanded; {@code field} names the value in an error. */
    public String expand(String text, String field) {
        final Matcher matcher = REFERENCE.matcher(text);
        if (!matcher.find()) {
            return text;
        }
        final StringBuilder out = new StringBuilder();
        do {
            final String name = matcher.group(1);
            final String fallback = matcher.group(2);
            String value = lookup.apply(name);
            if (fallback != null && (value == null || value.isEmpty())) {
                value = fallback;
            }
            if (value == null) {
                throw new ConfigException(field + ": environment variable " + name
                        + " is not set (write ${" + name + ":-default} to give a default)");
            }
            if (value.length() >= MIN_REDACTED) {
                expanded.putIfAbsent(value, "${" + name + "}");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        } while (matcher.find());
        matcher.appendTail(out);
        return out.toString();
    }

    /**
     * {@code message} with every value a reference expanded to written as the reference again: a config error must
     * never print a secret that came from the environment, wherever in the message it ended up.
     */
    public String redact(String message) {
        String out = message;
        // Longest first: a secret that holds another must go whole, not leave its rest behind.
        final List<Map.Entry<String, String>> values = new ArrayList<>(expanded.entrySet());
        values.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length()));
        for (Map.Entry<String, String> value : values) {
            out = out.replace(value.getKey(), value.getValue());
        }
        return out;
    }

    /**
     * Reads {@code KEY=VALUE} lines; blank lines and {@code #} comments are skipped, {@code export } is allowed,
     * and a value may be wrapped in single or double quotes.
     */
    static Map<String, String> readDotEnv(Path file) {
        final Map<String, String> values = new HashMap<>();
        if (file == null || !Files.isRegularFile(file)) {
            return values;
        }
        try {
            int lineNumber = 0;
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNumber++;
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("export ")) {
                    line = line.substring(7).strip();
                }
                final int eq = line.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException(file + ":" + lineNumber + ": expected KEY=VALUE");
                }
                values.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
            }
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read it (" + e.getMessage() + ")");
        }
        return values;
    }

    private static String unquote(String value) {
        if (value.length() >= 2) {
            final char first = value.charAt(0);
            if ((first == '"' || first == '\'') && value.charAt(value.length() - 1) == first) {
                return value.substring(1, value.length() - 1);
            }
        }
        return value;
    }
}
