package io.sluice.gateway.http;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A set of field names finds its names in any case, whole or as a region of a longer text, and nothing else: not a
 * name that shares a member's length and ends, nor a prefix or an extension of one.
 */
class FieldNamesTest {
    private static final FieldNames SET = FieldNames.of(AsciiString.cached("content-length"),
            AsciiString.cached("te"), AsciiString.cached("x-request-id"));

    @Test
    void findsItsNamesInAnyCaseAndAsAnyCharSequence() {
        assertTrue(SET.contains("content-length"));
        assertTrue(SET.contains("Content-Length"));
        assertTrue(SET.contains(new AsciiString("CONTENT-LENGTH")));
        assertTrue(SET.contains(new StringBuilder("tE")));
        assertTrue(SET.contains("X-Request-Id"));
    }

    @Test
    void findsNothingElse() {
        assertFalse(SET.contains("content-lengtH-"));
        assertFalse(SET.contains("content-lengt"));
        assertFalse(SET.contains("contenx-length"), "same length and ends, one letter apart");
        assertFalse(SET.contains("t"));
        assertFalse(SET.contains("tf"));
        assertFalse(SET.contains(""));
        assertFalse(FieldNames.of().contains("te"));
    }

    @Test
    void foldsAsciiCaseOnly() {
        final FieldNames set = FieldNames.of(AsciiString.cached("transfer-encoding"));
        assertTrue(set.contains("Transfer-Encoding"));
        // U+017F (long s) upper-cases to 'S' in Unicode; a field name is ASCII, and this is not that name.
        assertFalse(set.contains("tran\u017Ffer-encoding"));
    }

    @Test
    void findsARegionOfALongerText() {
        final String connection = "keep-alive, TE ,x-request-id";
        assertTrue(SET.contains(connection, 12, 14));
        assertTrue(SET.contains(connection, 16, connection.length()));
        assertFalse(SET.contains(connection, 0, 10));
        assertFalse(SET.contains(connection, 12, 15), "the space after the token is part of that region");
        assertFalse(SET.contains(connection, 3, 3));
    }

    @Test
    void namesThatShareASlotAreAllFound() {
        // Same length, first and last character: every one of them hashes to the same slot.
        final List<AsciiString> alike = new ArrayList<>();
        for (char c = 'a'; c <= 'z'; c++) {
            alike.add(new AsciiString("x-" + c + "-id"));
        }
        final FieldNames set = FieldNames.of(alike);
        for (AsciiString name : alike) {
            assertTrue(set.contains(name.toString().toUpperCase(Locale.ROOT)), name.toString());
        }
        assertFalse(set.contains("x-0-id"));
        assertFalse(set.contains("x-ab-id"));
    }

    @Test
    void refusesAnEmptyName() {
        assertThrows(IllegalArgumentException.class, () -> FieldNames.of(AsciiString.EMPTY_STRING));
    }
}
