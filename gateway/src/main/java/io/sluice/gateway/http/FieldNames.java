package io.sluice.gateway.http;

import io.netty.util.AsciiString;

import java.util.Arrays;
import java.util.Collection;

/**
 * A fixed set of header field names, matched ignoring ASCII case with one probe of a small open-addressed table.
 * Every field of both heads of every exchange is looked up in several such sets (hop-by-hop, relayed, written by
 * Sluice, never sent upstream); a list compared name by name cost more than copying the field. A name's slot comes
 * from its length and its first and last characters, so a lookup reads two characters to find it, then compares
 * the name only with the members on that slot's short probe sequence: most often none, or the one it equals.
 *
 * <p>Immutable and thread-safe.
 */
public final class FieldNames {
    /** Slots per name, at least: keeps the probe sequences short. */
    private static final int SPREAD = 4;

    private final AsciiString[] slots;
    private final int mask;

    private FieldNames(Collection<AsciiString> names) {
        final int size = Integer.highestOneBit(Math.max(1, names.size() * SPREAD) - 1) << 1;
        slots = new AsciiString[Math.max(2, size)];
        mask = slots.length - 1;
        for (AsciiString name : names) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a field name is never empty");
            }
            if (!contains(name)) {
                int i = slot(name, 0, name.length());
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = name;
            }
        }
    }

    public static FieldNames of(AsciiString... names) {
        return new FieldNames(Arrays.asList(names));
    }

    public static FieldNames of(Collection<AsciiString> names) {
        return new FieldNames(names);
    }

    /** Whether {@code name} is one of the set, ignoring case. */
    public boolean contains(CharSequence name) {
        return contains(name, 0, name.length());
    }

    /** Whether the characters of {@code text} in {@code [from, to)} are one of the set's names, ignoring case. */
    public boolean contains(CharSequence text, int from, int to) {
        final int length = to - from;
        if (length <= 0) {
            return false;
        }
        for (int i = slot(text, from, to); slots[i] != null; i = (i + 1) & mask) {
            final AsciiString candidate = slots[i];
            // AsciiString's own comparison folds ASCII case only, as the slot does.
            if (candidate.length() == length && candidate.regionMatches(true, 0, text, from, length)) {
                return true;
            }
        }
        return false;
    }

    private int slot(CharSequence text, int from, int to) {
        final int h = ((to - from) * 31 + folded(text.charAt(from))) * 31 + folded(text.charAt(to - 1));
        return (h ^ h >>> 8) & mask;
    }

    /** The character with ASCII case folded; a non-letter may fold onto another, which the comparison tells apart. */
    private static int folded(char c) {
        return c | 0x20;
    }
}
