package io.sluice.providers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelNamesTest {
    @Test
    void aNameWithALineBreakTabOrDeleteIsRefusedAndAnyOtherKept() {
        for (String bad : new String[] {"m\r\nset-cookie: x", "m\n", "\tm", "m\u007f", "m\u0000"}) {
            assertTrue(ModelNames.hasControlCharacter(bad), bad);
        }
        for (String good : new String[] {"meta-llama/Llama-3.1-8B-Instruct", "gpt-4o:2024-08-06", "模型 7b", "a\\b"}) {
            assertFalse(ModelNames.hasControlCharacter(good), good);
        }
    }

    @Test
    void aNameIsShownOnOneLineWithItsControlCharactersAndBackslashesEscaped() {
        assertEquals("m\\u000d\\u000aset-cookie: x", ModelNames.shown("m\r\nset-cookie: x"));
        assertEquals("a\\\\u000a", ModelNames.shown("a\\u000a"), "a backslash in the name is not taken for an escape");
        assertEquals("模型 7b", ModelNames.shown("模型 7b"));
    }
}
