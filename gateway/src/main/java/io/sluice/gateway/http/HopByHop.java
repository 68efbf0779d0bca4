package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Copies the end-to-end headers of a message: everything but the hop-by-hop headers of RFC 9110 §7.6.1, the
 * headers the {@code Connection} header names, and those the caller sets itself.
 */
public final class HopByHop {
    private static final Set<AsciiString> HOP_BY_HOP = Set.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

    private HopByHop() {
    }

    /** Adds to {@code to} every end-to-end header of {@code from} not named (in lower case) in {@code skip}. */
    public static void copyEndToEnd(HttpHeaders from, HttpHeaders to, Set<AsciiString> skip) {
        final Set<AsciiString> listed = connectionListed(from);
        final Iterator<Map.Entry<CharSequence, CharSequence>> headers = from.iteratorCharSequence();
        while (headers.hasNext()) {
            final Map.Entry<CharSequence, CharSequence> header = headers.next();
            final AsciiString name = AsciiString.of(header.getKey()).toLowerCase();
            if (!HOP_BY_HOP.contains(name) && !skip.contains(name) && !listed.contains(name)) {
                to.add(name, header.getValue());
            }
        }
    }

    private static Set<AsciiString> connectionListed(HttpHeaders headers) {
        final Set<AsciiString> names = new HashSet<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    names.add(AsciiString.of(token.strip()).toLowerCase());
                }
            }
        }
        return names;
    }
}
