package io.sluice.codec.usage;

/**
 * Reads a usage object, or the stream event that carries one, written the plain way every backend writes them,
 * without a parser: keys and strings of printable ASCII without escapes, counts as integers, the objects of details,
 * and other fields' values (strings, numbers, literals, arrays and objects a few levels deep) passed over. Jackson's
 * parse of the same few hundred bytes costs a parser, its contexts and buffers per answer (bench/RESULTS.md); this
 * costs the {@link Usage}.
 *
 * <p>Anything else (an escape or a byte outside printable ASCII in a string, a count that is not an integer of at
 * most 18 digits, a detail that is not an object, deep nesting, bytes after the object, more than
 * {@link #MAX_LENGTH} bytes, JSON that is not valid) makes it answer null, and {@link UsageReader} reads the bytes
 * with Jackson instead. So the two never disagree: what it accepts is valid JSON that Jackson reads to the same
 * counts, which a differential fuzz target checks ({@code UsageReaderFuzzTest}).
 *
 * <p>Stateless; any thread.
 */
final class PlainUsageReader {
    /** What {@link #readEvent} answers for an event it read that has no usage. */
    static final EventUsage NO_USAGE = new EventUsage(new Usage(0, 0, 0, 0, 0), false);
    /**
     * Longer bytes are left to Jackson: it holds a key to a length of its own, and the differential fuzz target,
     * whose inputs are at most this long, vouches for the plain reader only within it. A usage event is a few hundred.
     */
    static final int MAX_LENGTH = 4096;
    /** What a step returns when the bytes are not written plainly. */
    private static final int NOT_PLAIN = -1;
    /** Nesting passed over beyond this is left to Jackson, whose own limit is far higher. */
    private static final int MAX_DEPTH = 8;
    /** A count of 18 digits fits a long whatever its digits. */
    private static final int MAX_COUNT_DIGITS = 18;
    /** A longer number passed over is left to Jackson, which holds numbers to limits of its own. */
    private static final int MAX_NUMBER_LENGTH = 64;

    private PlainUsageReader() {
    }

    /** The usage in {@code json[0, length)}, or null when it is not a usage object written plainly. */
    static Usage read(byte[] json, int length) {
        final int at = skipSpace(json, 0, length);
        if (length > MAX_LENGTH || at >= length || json[at] != '{') {
            return null;
        }
        final UsageCounts counts = new UsageCounts();
        final int end = readUsage(json, at, length, counts, 0);
        return end != NOT_PLAIN && skipSpace(json, end, length) == length ? counts.usage() : null;
    }

    /**
     * What the data of one stream event says of usage, as {@link UsageReader#readEvent} reads it: its {@code usage}
     * object (or the one under {@code response}, the Responses API's), and whether its {@code choices} are empty;
     * {@link #NO_USAGE} for an event without usage, null for one not written plainly.
     */
    static EventUsage readEvent(byte[] json, int length) {
        final int at = skipSpace(json, 0, length);
        if (length > MAX_LENGTH || at >= length || json[at] != '{') {
            return null;
        }
        final Event event = new Event();
        final int end = object(json, at, length, (keyStart, keyEnd, valueAt) -> {
            final boolean object = json[valueAt] == '{';
            if (object && isText(json, keyStart, keyEnd, "usage")) {
                event.usage = new UsageCounts();
                return readUsage(json, valueAt, length, event.usage, 1);
            }
            if (object && isText(json, keyStart, keyEnd, "response")) {
                return readResponse(json, valueAt, length, event);
            }
            if (json[valueAt] == '[' && isText(json, keyStart, keyEnd, "choices")) {
                final int next = skipSpace(json, valueAt + 1, length);
                event.choicesEmpty = next < length && json[next] == ']';
            }
            return skipValue(json, valueAt, length, 1);
        });
        if (end == NOT_PLAIN || skipSpace(json, end, length) != length) {
            return null;
        }
        return event.usage == null ? NO_USAGE : new EventUsage(event.usage.usage(), event.choicesEmpty);
    }

    /** What an event has said so far. */
    private static final class Event {
        UsageCounts usage;
        boolean choicesEmpty;
    }

    /** The {@code response} object at {@code at}: its last {@code usage} object, if any, is the event's. */
    private static int readResponse(byte[] json, int at, int length, Event event) {
        return object(json, at, length, (keyStart, keyEnd, valueAt) -> {
            if (json[valueAt] == '{' && isText(json, keyStart, keyEnd, "usage")) {
                event.usage = new UsageCounts();
                return readUsage(json, valueAt, length, event.usage, 2);
            }
            return skipValue(json, valueAt, length, 2);
        });
    }

    /** Reads the usage object at {@code at}, nested {@code depth} deep, into {@code counts}; the index after it. */
    private static int readUsage(byte[] json, int at, int length, UsageCounts counts, int depth) {
        return object(json, at, length, (keyStart, keyEnd, valueAt) -> {
            final UsageCounts.Field field = UsageCounts.Field.of(json, keyStart, keyEnd);
            if (field == null) {
                return skipValue(json, valueAt, length, depth + 1);
            }
            if (field.hasDetails()) {
                return readDetails(json, valueAt, length, field, counts, depth + 1);
            }
            final int valueEnd = countEnd(json, valueAt, length);
            if (valueEnd != NOT_PLAIN) {
                counts.set(field, valueOf(json, valueAt, valueEnd));
            }
            return valueEnd;
        });
    }

    /**
     * The object of details at {@code at}: its field {@link UsageCounts.Field#detail()} counted (0 when absent), the
     * rest passed over. Returns the index after its closing brace.
     */
    private static int readDetails(byte[] json, int at, int length, UsageCounts.Field field, UsageCounts counts,
                                   int depth) {
        if (json[at] != '{') {
            return NOT_PLAIN;
        }
        counts.set(field, 0);
        final String detail = field.detail();
        return object(json, at, length, (keyStart, keyEnd, valueAt) -> {
            if (!isText(json, keyStart, keyEnd, detail)) {
                return skipValue(json, valueAt, length, depth + 1);
            }
            final int valueEnd = countEnd(json, valueAt, length);
            if (valueEnd != NOT_PLAIN) {
                counts.set(field, valueOf(json, valueAt, valueEnd));
            }
            return valueEnd;
        });
    }

    /** Reads the value of one member of an object. */
    @FunctionalInterface
    private interface Member {
        /** The index after the value at {@code valueAt} of the key {@code json[keyStart, keyEnd)}, or NOT_PLAIN. */
        int read(int keyStart, int keyEnd, int valueAt);
    }

    /** Walks the members of the object at {@code at}, each read by {@code member}; the index after its last brace. */
    private static int object(byte[] json, int at, int length, Member member) {
        at = skipSpace(json, at + 1, length);
        if (at < length && json[at] == '}') {
            return at + 1;
        }
        while (true) {
            final int keyEnd = stringEnd(json, at, length);
            final int valueAt = keyEnd == NOT_PLAIN ? NOT_PLAIN : valueStart(json, keyEnd + 1, length);
            if (valueAt == NOT_PLAIN) {
                return NOT_PLAIN;
            }
            at = member.read(at + 1, keyEnd, valueAt);
            if (at == NOT_PLAIN) {
                return NOT_PLAIN;
            }
            at = skipSpace(json, at, length);
            if (at < length && json[at] == '}') {
                return at + 1;
            }
            if (at >= length || json[at] != ',') {
                return NOT_PLAIN;
            }
            at = skipSpace(json, at + 1, length);
        }
    }

    /** Passes over the array at {@code at}, nested {@code depth} deep; the index after its closing bracket. */
    private static int array(byte[] json, int at, int length, int depth) {
        at = skipSpace(json, at + 1, length);
        if (at < length && json[at] == ']') {
            return at + 1;
        }
        while (true) {
            at = at < length ? skipValue(json, at, length, depth + 1) : NOT_PLAIN;
            if (at == NOT_PLAIN) {
                return NOT_PLAIN;
            }
            at = skipSpace(json, at, length);
            if (at < length && json[at] == ']') {
                return at + 1;
            }
            if (at >= length || json[at] != ',') {
                return NOT_PLAIN;
            }
            at = skipSpace(json, at + 1, length);
        }
    }

    /** After a key's closing quote at {@code at - 1}: the index of its value, past the colon and the space around. */
    private static int valueStart(byte[] json, int at, int length) {
        at = skipSpace(json, at, length);
        if (at >= length || json[at] != ':') {
            return NOT_PLAIN;
        }
        at = skipSpace(json, at + 1, length);
        return at < length ? at : NOT_PLAIN;
    }

    /**
     * The index after a count at {@code at}: a non-negative integer of at most {@link #MAX_COUNT_DIGITS} digits, with
     * no fraction or exponent after it (a negative count, rare enough, is left to Jackson); else {@link #NOT_PLAIN}.
     */
    private static int countEnd(byte[] json, int at, int length) {
        final int end = integerEnd(json, at, length);
        return end != NOT_PLAIN && end - at <= MAX_COUNT_DIGITS ? end : NOT_PLAIN;
    }

    /** The value of the digits {@code json[from, to)}. */
    private static long valueOf(byte[] json, int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + (json[i] - '0');
        }
        return value;
    }

    /**
     * The index after the digits of a non-negative integer at {@code at} (no leading zero but a lone one), or
     * {@link #NOT_PLAIN} when it has none or a fraction or exponent follows.
     */
    private static int integerEnd(byte[] json, int at, int length) {
        final int end = digitsEnd(json, at, length);
        if (!isInteger(json, at, end)) {
            return NOT_PLAIN;
        }
        return end < length && (json[end] == '.' || json[end] == 'e' || json[end] == 'E') ? NOT_PLAIN : end;
    }

    /** Whether the digits {@code json[at, end)} are an integer as JSON writes one: some, and no leading zero. */
    private static boolean isInteger(byte[] json, int at, int end) {
        return end > at && (json[at] != '0' || end - at == 1);
    }

    /** Passes over the value at {@code at}, inside {@code depth} objects and arrays; the index after it. */
    private static int skipValue(byte[] json, int at, int length, int depth) {
        final byte first = json[at];
        if (first == '"') {
            final int end = stringEnd(json, at, length);
            return end == NOT_PLAIN ? NOT_PLAIN : end + 1;
        }
        if (depth >= MAX_DEPTH && (first == '{' || first == '[')) {
            return NOT_PLAIN;
        }
        if (first == '{') {
            return object(json, at, length, (keyStart, keyEnd, valueAt) -> skipValue(json, valueAt, length, depth + 1));
        }
        if (first == '[') {
            return array(json, at, length, depth);
        }
        if (first == '-' || isDigit(first)) {
            return numberEnd(json, at, length);
        }
        return switch (first) {
            case 't' -> literalEnd(json, at, length, "true");
            case 'f' -> literalEnd(json, at, length, "false");
            case 'n' -> literalEnd(json, at, length, "null");
            default -> NOT_PLAIN;
        };
    }

    /** The index after a JSON number at {@code at} of at most {@link #MAX_NUMBER_LENGTH} bytes. */
    private static int numberEnd(byte[] json, int at, int length) {
        final int start = json[at] == '-' ? at + 1 : at;
        int i = digitsEnd(json, start, length);
        if (!isInteger(json, start, i)) {
            return NOT_PLAIN;
        }
        if (i < length && json[i] == '.') {
            final int fraction = digitsEnd(json, i + 1, length);
            if (fraction == i + 1) {
                return NOT_PLAIN;
            }
            i = fraction;
        }
        if (i < length && (json[i] == 'e' || json[i] == 'E')) {
            int exponent = i + 1;
            if (exponent < length && (json[exponent] == '+' || json[exponent] == '-')) {
                exponent++;
            }
            final int digits = digitsEnd(json, exponent, length);
            if (digits == exponent) {
                return NOT_PLAIN;
            }
            i = digits;
        }
        return i - at <= MAX_NUMBER_LENGTH ? i : NOT_PLAIN;
    }

    private static int digitsEnd(byte[] json, int at, int length) {
        while (at < length && isDigit(json[at])) {
            at++;
        }
        return at;
    }

    /** The index after {@code literal} if it is at {@code at}. */
    private static int literalEnd(byte[] json, int at, int length, String literal) {
        final int end = at + literal.length();
        return end <= length && isText(json, at, end, literal) ? end : NOT_PLAIN;
    }

    /**
     * The index of the closing quote of the string that opens at {@code at}, or {@link #NOT_PLAIN} when there is none
     * there or it holds an escape or a byte outside printable ASCII.
     */
    private static int stringEnd(byte[] json, int at, int length) {
        if (at >= length || json[at] != '"') {
            return NOT_PLAIN;
        }
        for (int i = at + 1; i < length; i++) {
            final byte b = json[i];
            if (b == '"') {
                return i;
            }
            if (b == '\\' || b < 0x20 || b == 0x7F) {
                return NOT_PLAIN;
            }
        }
        return NOT_PLAIN;
    }

    /** Whether {@code json[from, to)} is the ASCII text {@code text}. */
    private static boolean isText(byte[] json, int from, int to, String text) {
        if (to - from != text.length()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (json[from + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpace(byte[] json, int at, int length) {
        while (at < length && (json[at] == ' ' || json[at] == '\n' || json[at] == '\r' || json[at] == '\t')) {
            at++;
        }
        return at;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
