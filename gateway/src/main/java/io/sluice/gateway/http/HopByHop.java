package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.List;
import java.util.function.Predicate;

/**
 * Finds the end-to-end headers of a message: everything but the hop-by-hop headers of RFC 9110 §7.6.1,
 * the headers the {@code Connection} header names, and those the caller rejects. Names are matched ignoring case
 * without building lower-case copies, since this runs twice per request.
 */
public final class HopByHop {
    private static final FieldNames HOP_BY_HOP = FieldNames.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

    private HopByHop() {
    }

    /**
     * The test of a field name of {@code message}: end-to-end there, and not rejected by {@code skip}. It is
     * {@link #isEndToEnd}, with the message's Connection header looked up once.
     */
    public static Predicate<CharSequence> endToEndIn(HttpHeaders message, Predicate<CharSequence> skip) {
        final CharSequence connection = namingOtherFields(message.get(HttpHeaderNames.CONNECTION));
        return name -> isEndToEnd(name, connection, skip);
    }

    /**
     * Whether the header {@code name} is end-to-end and {@code skip} does not reject it, in a message whose
     * Connection header is {@code connection} (null if it has none).
     */
    public static boolean isEndToEnd(CharSequence name, CharSequence connection, Predicate<CharSequence> skip) {
        return !isHopByHop(name) && !skip.test(name) && (connection == null || !listedIn(connection, name));
    }

    /**
     * Whether {@code name} is one of the hop-by-hop headers this class knows, ignoring case: the connection-specific
     * fields HTTP/2 forbids (RFC 9113 §8.2.2) and the other hop-by-hop ones a proxy does not forward.
     */
    public static boolean isHopByHop(CharSequence name) {
        return HOP_BY_HOP.contains(name);
    }

    /** Whether {@code name} starts with one of {@code prefixes}, ignoring case. */
    public static boolean startsWithAny(List<AsciiString> prefixes, CharSequence name) {
        for (int i = 0; i < prefixes.size(); i++) {
            final AsciiString prefix = prefixes.get(i);
            if (name.length() >= prefix.length() && AsciiString.regionMatches(name, true, 0, prefix, 0,
                    prefix.length())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} ends with one of {@code suffixes}, ignoring case. */
    public static boolean endsWithAny(List<AsciiString> suffixes, CharSequence name) {
        for (int i = 0; i < suffixes.size(); i++) {
            final AsciiString suffix = suffixes.get(i);
            if (name.length() >= suffix.length() && AsciiString.regionMatches(name, true,
                    name.length() - suffix.length(), suffix, 0, suffix.length())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code name} is one of the comma-separated tokens of a Connection header value, ignoring case and the
     * spaces and tabs around a token. Compared in place: this runs for every header of a message that has one.
     */
    public static boolean listedIn(CharSequence connection, CharSequence name) {
        return anyToken(connection, (value, first, last) -> isToken(value, first, last, name));
    }

    /**
     * The Connection header value {@code connection} if it names a field other than the hop-by-hop ones, else null
     * (also for null): most backends' answers say only {@code keep-alive}, and then no field of theirs needs to be
     * looked for in it. A {@code close} names one: a field called {@code Close} (RFC 9110 reserves the name for
     * that clash) goes no further.
     */
    public static CharSequence namingOtherFields(CharSequence connection) {
        return connection != null && anyToken(connection, (value, first, last) -> last > first
                && !HOP_BY_HOP.contains(value, first, last)) ? connection : null;
    }

    private static boolean isToken(CharSequence value, int first, int last, CharSequence name) {
        return last - first == name.length() && AsciiString.regionMatches(value, true, first, name, 0, name.length());
    }

    /** A test of the token at {@code [first, last)} of a Connection value. */
    @FunctionalInterface
    private interface TokenTest {
        boolean test(CharSequence value, int first, int last);
    }

    /** Whether a comma-separated token of {@code connection}, without the spaces and tabs around it, passes. */
    private static boolean anyToken(CharSequence connection, TokenTest test) {
        int start = 0;
        while (start < connection.length()) {
            int end = start;
            while (end < connection.length() && connection.charAt(end) != ',') {
                end++;
            }
            int first = start;
            int last = end;
            while (first < last && isSpaceOrTab(connection.charAt(first))) {
                first++;
            }
            while (last > first && isSpaceOrTab(connection.charAt(last - 1))) {
                last--;
            }
            if (test.test(connection, first, last)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean isSpaceOrTab(char c) {
        return c == ' ' || c == '\t';
    }
}
