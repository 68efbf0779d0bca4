package io.sluice.gateway.config;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.error.YAMLException;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The config's YAML: plain values typed by YAML 1.2's rules, and what the admin API writes read back the same, quoted
 * wherever YAML 1.1 would type it otherwise.
 */
class ConfigYamlTest {
    @Test
    void whatIsWrittenReadsBackTheSameAndIsQuotedWhereYaml11WouldReadItOtherwise() {
        final Object tree = ConfigYaml.load("""
                level: off
                on: yes
                version: 2023-06-01
                threads: 010
                bytes: 1_000
                port: 8080
                rate: 0.5
                stream: true
                key: ${OPENAI_API_KEY}
                empty:
                """);
        final Map<?, ?> values = (Map<?, ?>) tree;
        assertEquals("off", values.get("level"));
        assertEquals("yes", values.get("on"), "neither the key nor the value is a boolean");
        assertEquals("2023-06-01", values.get("version"));
        assertEquals("010", values.get("threads"));
        assertEquals(1000, values.get("bytes"));
        assertEquals(8080, values.get("port"));
        assertEquals(0.5, values.get("rate"));
        assertEquals(Boolean.TRUE, values.get("stream"));
        assertNull(values.get("empty"));

        final String written = ConfigYaml.dump(tree);
        assertEquals(tree, ConfigYaml.load(written), written);
        for (String quoted : new String[] {"level: 'off'", "'on': 'yes'", "version: '2023-06-01'", "threads: '010'"}) {
            assertTrue(written.contains(quoted + "\n"), written);
        }
        assertTrue(written.contains("port: 8080\n") && written.contains("key: ${OPENAI_API_KEY}\n"), written);
    }

    @Test
    void aValueThatDoesNotFitItsTagIsRefusedWithoutBeingQuoted() {
        final YAMLException e = assertThrows(YAMLException.class, () -> ConfigYaml.load("port: !!int sk-secret\n"));
        assertFalse(e.getMessage().contains("sk-secret"), e.getMessage());
    }

    @Test
    void yesAndNoAreReadInEveryWayYamlWroteThem() {
        for (Object yes : new Object[] {true, "true", "Yes", "ON"}) {
            assertEquals(Boolean.TRUE, ConfigYaml.truth(yes), String.valueOf(yes));
        }
        for (Object no : new Object[] {false, "false", "no", "Off"}) {
            assertEquals(Boolean.FALSE, ConfigYaml.truth(no), String.valueOf(no));
        }
        assertNull(ConfigYaml.truth("maybe"));
    }
}
