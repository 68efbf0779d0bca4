package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Copies the end-to-end headers of a message: everything but the hop-by-hop headers of RFC 9110 §7.6.1, the
 * headers the {@code Connection} header names, and those the caller sets itself. Names are matched ignoring case
 * without building lower-case copies, since this runs twice per request.
 */
public final class HopByHop {
    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

    private HopByHop() {
    }

    /** Adds to {@code to} every end-to-end header of {@code from} not named in {@code skip}. */
    public static void copyEndToEnd(HttpHeaders from, HttpHeaders to, List<AsciiString> skip) {
        final String connection = from.get(HttpHeaderNames.CONNECTION);
        final Iterator<Map.Entry<CharSequence, CharSequence>> headers = from.iteratorCharSequence();
        while (headers.hasNext()) {
            final Map.Entry<CharSequence, CharSequence> header = headers.next();
            final CharSequence name = header.getKey();
            if (!contains(HOP_BY_HOP, name) && !contains(skip, name)
                    && (connection == null || !listedIn(connection, name))) {
                to.add(name, header.getValue());
            }
        }
    }

    private static boolean contains(List<AsciiString> names, CharSequence name) {
        for (int i = 0; i < names.size(); i++) {
            final AsciiString candidate = names.get(i);
            if (candidate.length() == name.length() && candidate.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} is one of the comma-separated tokens of a Connection header value. */
    private static boolean listedIn(String connection, CharSequence name) {
        int start = 0;
        while (start < connection.length()) {
            int end = connection.indexOf(',', start);
            if (end < 0) {
                end = connection.length();
            }
            final String token = connection.substring(start, end).strip();
            if (token.length() == name.length() && AsciiString.contentEqualsIgnoreCase(token, name)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
}
