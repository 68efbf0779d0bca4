package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** HPACK as the HTTP/2 front encodes a head: request ids never indexed, other new fields added to the table. */
class UniqueFieldsTest {
    /** RFC 7541 §6.2: the high bits of a literal field's first byte say how it is indexed. */
    private static final int INCREMENTAL_INDEXING = 0x40;
    private static final int NEVER_INDEXED = 0x10;

    @Test
    void requestIdsAreNeverIndexedAndOtherFieldsAreIndexed() throws Http2Exception {
        assertEquals(NEVER_INDEXED, firstByte("x-request-id", "3f2a") & 0xF0);
        assertEquals(NEVER_INDEXED, firstByte("X-Upstream-Request-Id", "req_1") & 0xF0, "whatever the case");
        assertEquals(NEVER_INDEXED, firstByte("request-id", "req_011CS") & 0xF0, "Anthropic's, relayed");
        assertEquals(INCREMENTAL_INDEXING, firstByte("x-sluice-provider", "openai") & 0xC0);
        assertEquals(INCREMENTAL_INDEXING, firstByte("x-request-ids", "3f2a") & 0xC0, "only the exact names");
    }

    /** The first byte of a head holding one field, from a fresh encoder as a new connection has. */
    private static int firstByte(String name, String value) throws Http2Exception {
        final Http2Headers headers = new DefaultHttp2Headers(false).add(name, value);
        final ByteBuf out = Unpooled.buffer();
        try {
            new DefaultHttp2HeadersEncoder(UniqueFields.INSTANCE).encodeHeaders(1, headers, out);
            return out.getUnsignedByte(0);
        } finally {
            out.release();
        }
    }
}
