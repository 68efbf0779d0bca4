package io.sluice.gateway.server;

import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldNames;
import io.sluice.gateway.http.RequestIds;

/**
 * Names the response fields whose value is new in every response, for the HTTP/2 header encoder: the request ids
 * Sluice sends ({@code x-request-id}, and a backend's own as {@code x-upstream-request-id}), and Anthropic's
 * {@code request-id}, which Sluice relays as it came. HPACK would add each to
 * the connection's dynamic table, where it is never used again and evicts an entry that would be: evicting was 1.9 %
 * of a small request's CPU over h2. They go out as literals never indexed instead, which also tells an intermediary
 * not to index them. The price is the field's name in full on every response, about ten bytes.
 *
 * <p>Position: the HTTP/2 front's frame codec, below the request-core seams. Thread: a connection's event loop;
 * stateless.
 */
final class UniqueFields implements Http2HeadersEncoder.SensitivityDetector {
    static final UniqueFields INSTANCE = new UniqueFields();

    private static final FieldNames NAMES = FieldNames.of(AsciiString.cached(RequestIds.HEADER),
            AsciiString.cached(RequestIds.UPSTREAM_HEADER), AsciiString.cached("request-id"));

    private UniqueFields() {
    }

    @Override
    public boolean isSensitive(CharSequence name, CharSequence value) {
        return NAMES.contains(name);
    }
}
