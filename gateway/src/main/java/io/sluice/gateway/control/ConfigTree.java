package io.sluice.gateway.control;

import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigYaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The config file as a tree of maps and lists that the admin API edits: values stay as written, so a
 * {@code ${VAR}} reference stays one. Also reads JSON request bodies (JSON is YAML). Comments do not survive an
 * edit; the file before it is kept as the backup. Stateless.
 */
final class ConfigTree {
    private ConfigTree() {
    }

    /** A mapping read from YAML or JSON; {@code what} names the text in an error, which never quotes it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> mapping(String text, String what) {
        final Object tree;
        try {
            tree = ConfigYaml.load(text);
        } catch (MarkedYAMLException e) {
            throw new ConfigException(what + ": not valid YAML or JSON (line " + (e.getProblemMark().getLine() + 1)
                    + ": " + e.getProblem() + ")");
        } catch (YAMLException e) {
            throw new ConfigException(what + ": not valid YAML or JSON");
        }
        if (!(tree instanceof Map<?, ?> map)) {
            throw new ConfigException(what + ": expected an object");
        }
        return (Map<String, Object>) map;
    }

    /** The list at {@code key} under {@code parent}, made (empty) when it is not there. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> parent, String key) {
        final Object value = parent.get(key);
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        if (value != null) {
            throw new ConfigException(key + ": expected a list");
        }
        final List<Object> made = new ArrayList<>();
        parent.put(key, made);
        return made;
    }

    /** The mapping at {@code key} under {@code parent}, made (empty) when it is not there. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> child(Map<String, Object> parent, String key) {
        final Object value = parent.get(key);
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        if (value != null) {
            throw new ConfigException(key + ": expected a mapping");
        }
        final Map<String, Object> made = new LinkedHashMap<>();
        parent.put(key, made);
        return made;
    }

    /** The index of the entry of {@code list} whose {@code field} is {@code value}, or -1. */
    static int indexOf(List<Object> list, String field, String value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof Map<?, ?> entry && value.equals(String.valueOf(entry.get(field)))) {
                return i;
            }
        }
        return -1;
    }
}
