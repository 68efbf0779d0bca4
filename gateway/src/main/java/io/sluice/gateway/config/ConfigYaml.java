package io.sluice.gateway.config;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.util.regex.Pattern;

/**
 * How the config file's YAML is read and written, by the loader and by the admin API's edits alike. A plain value is
 * typed by YAML 1.2's rules, not SnakeYAML's YAML 1.1 ones: only {@code true} and {@code false} are booleans (a
 * logger's level {@code off} and an {@code on} stay words), only decimal numbers are numbers (no octal {@code 010},
 * no {@code 1_000}, no {@code 1:30} in base 60), and nothing is a date ({@code api_version: 2023-06-01} stays the
 * text the backend expects). Everything else is text, written back as it was read. Stateless.
 */
public final class ConfigYaml {
    private ConfigYaml() {
    }

    /**
     * The tree of maps, lists and scalars of {@code text}.
     *
     * @throws org.yaml.snakeyaml.error.YAMLException when it is not YAML; its message quotes no value
     */
    public static Object load(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(new DumperOptions()),
                new DumperOptions(), new LoaderOptions(), new CoreSchema()).load(text);
    }

    /** {@code root} as block-style YAML that {@link #load} reads back to the same tree. */
    public static String dump(Object root) {
        final DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setSplitLines(false);
        return new Yaml(new SafeConstructor(new LoaderOptions()), new Representer(options), options,
                new LoaderOptions(), new CoreSchema()).dump(root);
    }

    /** YAML 1.2's core schema for plain scalars, less its octal and hexadecimal integers and its infinities. */
    private static final class CoreSchema extends Resolver {
        private static final Pattern BOOL = Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");
        // A leading zero would be read as octal by SnakeYAML's constructor: such a value stays text.
        private static final Pattern INT = Pattern.compile("^[-+]?(?:0|[1-9][0-9]*)$");
        private static final Pattern FLOAT = Pattern.compile("^[-+]?(?:\\.[0-9]+|(?:0|[1-9][0-9]*)(?:\\.[0-9]*)?)"
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
