package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The response pieces relayed during one read of the backend, written to the client together when the read
 * completes: on HTTP/1.1 as one chunk, on HTTP/2 as one DATA frame. A backend like vLLM sends each event as a chunk
 * of its own; passing each on alone would cost a chunk header, a trailing CRLF and pipeline work per event.
 * Batching per read adds no delay, because nothing is flushed before the read completes anyway.
 *
 * <p>Nothing is copied. On HTTP/1.1 nothing is allocated per piece either: the pieces go to the connection's
 * outbound buffer as they are, after a chunk header and before a CRLF of the batch's own, written behind Netty's
 * response encoder (which would make a chunk of every piece, with a header and a CRLF object each, and would need
 * them in one composite buffer, whose components the socket write turns into a {@code ByteBuffer} each). The
 * encoder still writes the response head and the last chunk, so its state stays right. On HTTP/2 the pieces become
 * the components of one composite buffer, the content of one DATA frame.
 *
 * <p>Position: the relay byte path, below the request-core seams. Thread: the exchange's event loop. Buffers: a
 * piece is owned from {@link #add} until {@link #write} passes it to the client pipeline or {@link #release}
 * releases it.
 */
final class ReadBatch {
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** A chunk header: up to eight hex digits of an int size, and CRLF. */
    private static final int MAX_CHUNK_HEADER = 10;

    private final ChannelHandlerContext client;
    /** The HTTP/1.1 response encoder's context, written to directly; null on HTTP/2. */
    private final ChannelHandlerContext http1Encoder;
    private boolean chunked;
    private ByteBuf[] pieces = new ByteBuf[8];
    private int count;
    private int bytes;

    /**
     * @param client       the pipeline the response goes to, at the exchange's handler
     * @param http1Encoder the context of that pipeline's HTTP/1.1 response encoder, or null on an HTTP/2 stream
     */
    ReadBatch(ChannelHandlerContext client, ChannelHandlerContext http1Encoder) {
        this.client = client;
        this.http1Encoder = http1Encoder;
    }

    /** Whether the HTTP/1.1 response head sent is chunked (else its body is sized or ends with the connection). */
    void chunked(boolean chunked) {
        this.chunked = chunked;
    }

    /** Adds a piece; ownership passes. */
    void add(ByteBuf piece) {
        if (count == pieces.length) {
            pieces = Arrays.copyOf(pieces, count * 2);
        }
        pieces[count++] = piece;
        bytes += piece.readableBytes();
    }

    /** Writes what was gathered since the last write, if anything, without a flush. */
    void write() {
        if (count == 0) {
            return;
        }
        if (bytes == 0) {
            // An empty HTTP/1.1 chunk would end the body.
            release();
        } else if (http1Encoder != null) {
            writeHttp1();
        } else {
            writeHttp2();
        }
    }

    private void writeHttp1() {
        if (chunked) {
            final ByteBuf header = http1Encoder.alloc().buffer(MAX_CHUNK_HEADER);
            writeHex(header, bytes);
            header.writeShort(CRLF);
            http1Encoder.write(header, http1Encoder.voidPromise());
        }
        for (int i = 0; i < count; i++) {
            http1Encoder.write(pieces[i], http1Encoder.voidPromise());
            pieces[i] = null;
        }
        if (chunked) {
            http1Encoder.write(http1Encoder.alloc().buffer(2).writeShort(CRLF), http1Encoder.voidPromise());
        }
        count = 0;
        bytes = 0;
    }

    private void writeHttp2() {
        final ByteBuf content;
        if (count == 1) {
            content = pieces[0];
        } else {
            final CompositeByteBuf composite = client.alloc().compositeBuffer(count);
            for (int i = 0; i < count; i++) {
                composite.addComponent(true, pieces[i]);
            }
            content = composite;
        }
        Arrays.fill(pieces, 0, count, null);
        count = 0;
        bytes = 0;
        client.write(new DefaultHttpContent(content), client.voidPromise());
    }

    /** Drops what was gathered (the client is gone). */
    void release() {
        for (int i = 0; i < count; i++) {
            pieces[i].release();
            pieces[i] = null;
        }
        count = 0;
        bytes = 0;
    }

    private static void writeHex(ByteBuf out, int value) {
        for (int shift = (31 - Integer.numberOfLeadingZeros(value)) & ~3; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(value >>> shift) & 0xF]);
        }
    }
}
