package io.sluice.gateway.config;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How the config file's YAML is read and written, by the loader and by the admin API's edits alike. A plain value is
 * typed by YAML 1.2's rules, not SnakeYAML's YAML 1.1 ones: only {@code true} and {@code false} are booleans (a
 * logger's level {@code off} stays a word), only decimal numbers are numbers ({@code 010} is ten, and {@code 1_000}
 * is still a thousand; {@code 0x10} and {@code 1:30} are text), and nothing is a date ({@code api_version:
 * 2023-06-01} stays the text the backend expects). A field that takes a yes or no reads the YAML 1.1 words too
 * ({@link #truth}). What the admin API writes quotes whatever YAML 1.1 would type otherwise, so that other tools (and
 * an older Sluice) read the file as this one does. Stateless.
 */
public final class ConfigYaml {
    private ConfigYaml() {
    }

    /**
     * The tree of maps, lists and scalars of {@code text}.
     *
     * @throws YAMLException when it is not YAML, or a value does not fit the tag it was given ({@code !!int x})
     */
    public static Object load(String text) {
        try {
            return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(new DumperOptions()),
                    new DumperOptions(), new LoaderOptions(), new CoreSchema()).load(text);
        } catch (YAMLException e) {
            throw e;
        } catch (RuntimeException e) {
            // SnakeYAML's constructors throw a NumberFormatException that quotes the value, which may be a key.
            throw new YAMLException("a value does not fit its tag (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@code root} as block-style YAML that {@link #load} reads back to the same tree. */
    public static String dump(Object root) {
        final DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setSplitLines(false);
        // YAML 1.1's resolver decides what to quote: a superset of what the core schema types.
        return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(options), options,
                new LoaderOptions(), new Resolver()).dump(root);
    }

    /**
     * A yes or no: a YAML boolean, or one of the words {@code true}, {@code yes}, {@code on}, {@code false}, {@code no},
     * {@code off} in any case; null for anything else.
     */
    public static Boolean truth(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (String.valueOf(value).strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> null;
        };
    }

    /**
     * YAML 1.2's core schema for plain scalars, less its octal and hexadecimal integers and its infinities, and with
     * YAML 1.1's digit separator ({@code 1_000}), which configs written for 1.1 use.
     */
    private static final class CoreSchema extends Resolver {
        private static final Pattern BOOL = Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");
        // A leading zero would be read as octal by SnakeYAML's constructor: such a value stays text.
        private static final Pattern INT = Pattern.compile("^[-+]?(?:0|[1-9][0-9_]*)$");
        private static final Pattern FLOAT = Pattern.compile("^[-+]?(?:\\.[0-9]+|(?:0|[1-9][0-9_]*)(?:\\.[0-9]*)?)"
                + "(?:[eE][-+]?[0-9]+)?$");
        private static final Pattern NULL = Pattern.compile("^(?:~|null|Null|NULL| )$");

        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, BOOL, "tTfF");
            addImplicitResolver(Tag.INT, INT, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, MERGE, "<");
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
        }
    }
}
