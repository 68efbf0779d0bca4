package io.sluice.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * HTTP/1.1 field lines written straight into a buffer, for a head Sluice writes as bytes instead of filling a header
 * map for an encoder: the request heads it sends upstream, and the response heads it relays to a client.
 *
 * <p>Names and values are written one byte per char (ISO-8859-1, {@code ?} past it), as Netty's encoders write them.
 * Nothing is validated: the callers write fields that were validated as they arrived, or that come from Sluice's
 * code and its checked config.
 */
public final class FieldLines {
    /** CR LF as one {@link ByteBuf#writeShort} writes them. */
    public static final short CRLF = ('\r' << 8) | '\n';
    private static final short COLON_SPACE = (':' << 8) | ' ';

    private FieldLines() {
    }

    /** The bytes {@link #write} writes for {@code name: value} and its line end. */
    public static int length(CharSequence name, CharSequence value) {
        return name.length() + value.length() + Short.BYTES * 2;
    }

    /** Writes {@code name: value} and its line end. */
    public static void write(ByteBuf buf, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(buf, name);
        buf.writeShort(COLON_SPACE);
        ByteBufUtil.writeAscii(buf, value);
        buf.writeShort(CRLF);
    }

    /** Writes the empty line that ends a head. */
    public static void end(ByteBuf buf) {
        buf.writeShort(CRLF);
    }
}
