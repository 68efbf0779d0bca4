package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldLines;
import io.sluice.gateway.http.HopByHop;
import io.sluice.gateway.upstream.ResponseHead;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a response Sluice relays to the client: its head, its body in one piece per backend read, and its end.
 *
 * <p>On HTTP/1.1 all of it is bytes written behind Netty's response encoder, which never sees the response and so
 * stays in its initial state for the connection's next one (Sluice's own answers still go through it). The head is
 * one buffer, its fields written as {@link ProxyHeaders} picks them, with no header map to fill and encode again.
 * The pieces relayed during one read of the backend are written together, each as it came. A piece that holds, in
 * its buffer around its readable bytes, exactly the framing this writer would give it as a chunk of its own (its size
 * in lower-case hex and CRLF before, CRLF after) goes out as that chunk, framing and all: the upstream decoder hands a
 * chunk of the backend's that came whole in one read so, as a backend like vLLM sends every event. The framing is
 * checked byte for byte, so the body on the wire is the same as if Sluice had framed the chunk itself. Each run of
 * other pieces goes out as one chunk: the pieces themselves, after a chunk header and before a CRLF of the run's own.
 * A read of N such events costs N buffers, where framing them anew cost N + 2, two of them taken from the pool; and
 * Netty's encoder would make a chunk of every piece and need them in one composite buffer, whose components the
 * socket write turns into a {@code ByteBuffer} each. Writing per read adds no delay, because nothing is flushed
 * before the read completes anyway. The last batch carries the chunked body's end.
 *
 * <p>On HTTP/2 the head is a HEADERS frame and each batch a DATA frame, whose composite's components are the pieces,
 * the last batch the one that ends the stream. They are written as frames, which the stream's codec passes on as
 * they are: an {@code HttpResponse} would have its header map copied into HTTP/2 headers there (2 % of a small
 * request's CPU over h2). The fields' names are lower-cased, as HTTP/2 requires, and the hop-by-hop ones
 * ({@link HopByHop#isHopByHop}) left out: among them the HTTP/1.1 framing fields the head names (Transfer-Encoding,
 * Connection), which HTTP/2 forbids.
 *
 * <p>Position: the relay byte path, below the request-core seams. Thread: the exchange's event loop. Buffers: a
 * piece is owned from {@link #add} until a write passes it to the client pipeline or {@link #release} releases it;
 * so is the head's buffer between {@link #startHead} and {@link #endHead}.
 */
final class ResponseWriter {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** A chunk header: up to eight hex digits of an int size, and CRLF. */
    private static final int MAX_CHUNK_HEADER = 10;
    private static final byte[] STATUS_LINE_START = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    /** Enough for a relayed head with Sluice's fields and a provider's rate-limit fields, without growing. */
    private static final int HEAD_CAPACITY = 1024;
    /**
     * The CRLF that closes a batch's chunk. It and the ends below are copied into a pooled buffer for each write: a
     * read-only view of one constant buffer would cost three objects a write.
     */
    private static final byte[] CRLF = {'\r', '\n'};
    /** The last chunk's line and the empty trailer section that end a chunked body. */
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The CRLF that closes the last batch's chunk, then the body's end. */
    private static final byte[] CRLF_LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ChannelHandlerContext client;
    /** The HTTP/1.1 response encoder's context, written to directly; null on HTTP/2. */
    private final ChannelHandlerContext http1Encoder;
    /** The one adder of a head's fields, made once for the exchange. */
    private final HeadFields fields = this::addField;
    /** The head being written: bytes on HTTP/1.1, HTTP/2 headers on HTTP/2; null outside a head. */
    private ByteBuf http1Head;
    private Http2Headers http2Head;
    private boolean chunked;
    /** The response may have no body: whatever a relay still writes for it is dropped. */
    private boolean bodyless;
    private ByteBuf[] pieces = new ByteBuf[8];
    private int count;
    private int bytes;

    /**
     * @param client       the pipeline the response goes to, at the exchange's handler
     * @param http1Encoder the context of that pipeline's HTTP/1.1 response encoder, or null on an HTTP/2 stream
     */
    ResponseWriter(ChannelHandlerContext client, ChannelHandlerContext http1Encoder) {
        this.client = client;
        this.http1Encoder = http1Encoder;
    }

    /** Starts the response head with its status; the fields go to what this returns, until {@link #endHead}. */
    HeadFields startHead(int status) {
        bodyless = ResponseHead.hasNoBody(status);
        final HttpResponseStatus known = HttpResponseStatus.valueOf(status);
        if (http1Encoder == null) {
            // Not validated again: ProxyHeaders picks the fields from the backend's head, which its decoder
            // checked (names are tokens, values hold no control character), and Sluice's own.
            http2Head = new DefaultHttp2Headers(false).status(known.codeAsText());
            return fields;
        }
        http1Head = http1Encoder.alloc().buffer(HEAD_CAPACITY);
        http1Head.writeBytes(STATUS_LINE_START);
        ByteBufUtil.writeAscii(http1Head, known.codeAsText());
        http1Head.writeByte(' ');
        ByteBufUtil.writeAscii(http1Head, known.reasonPhrase());
        http1Head.writeShort(FieldLines.CRLF);
        return fields;
    }

    private void addField(CharSequence name, CharSequence value) {
        if (http1Head != null) {
            FieldLines.write(http1Head, name, value);
        } else if (!HopByHop.isHopByHop(name)) {
            // No hop-by-hop field has a place in HTTP/2, among them the head's HTTP/1.1 framing ones.
            http2Head.add(AsciiString.of(name).toLowerCase(), value);
        }
    }

    /**
     * Writes the head (no flush).
     *
     * @param chunked whether the head says the HTTP/1.1 body is chunked (else it is sized, or ends with the
     *                connection, or there is none)
     */
    void endHead(boolean chunked) {
        this.chunked = chunked;
        if (http1Head != null) {
            FieldLines.end(http1Head);
            http1Encoder.write(http1Head, http1Encoder.voidPromise());
            http1Head = null;
        } else {
            client.write(new DefaultHttp2HeadersFrame(http2Head), client.voidPromise());
            http2Head = null;
        }
    }

    /**
     * Adds a piece; ownership passes. A piece of a response that has no body is dropped: a relay may still end a
     * 204 it cannot read with an error event, and on HTTP/1.1 those bytes would be read as the next response.
     */
    void add(ByteBuf piece) {
        if (bodyless) {
            piece.release();
            return;
        }
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
            dropPieces();
        } else if (http1Encoder != null) {
            writeHttp1(false, http1Encoder.voidPromise());
        } else {
            client.write(new DefaultHttp2DataFrame(http2Content()), client.voidPromise());
        }
    }

    /**
     * Writes what was gathered and the body's end, and flushes.
     *
     * @return the future of the response's last write
     */
    ChannelFuture end() {
        if (bytes == 0) {
            dropPieces();
        }
        if (http1Encoder == null) {
            return client.writeAndFlush(new DefaultHttp2DataFrame(count == 0 ? Unpooled.EMPTY_BUFFER
                    : http2Content(), true));
        }
        final ChannelPromise written = http1Encoder.newPromise();
        if (count > 0) {
            writeHttp1(true, written);
        } else {
            // Nothing left but the end of a chunked body, if it is one; the promise is kept by the bytes written
            // before it all the same.
            http1Encoder.write(chunked ? copy(LAST_CHUNK) : Unpooled.EMPTY_BUFFER, written);
        }
        http1Encoder.flush();
        return written;
    }

    /**
     * Writes the batch: on a chunked body each piece that carries its own framing as that chunk, the others in runs,
     * each run one chunk; the body's end follows when {@code ends}.
     *
     * @param written the promise of the batch's last write
     */
    private void writeHttp1(boolean ends, ChannelPromise written) {
        if (!chunked) {
            for (int i = 0; i < count; i++) {
                http1Encoder.write(pieces[i], i == count - 1 ? written : http1Encoder.voidPromise());
                pieces[i] = null;
            }
        } else {
            int runStart = 0;
            int runBytes = 0;
            for (int i = 0; i < count; i++) {
                final ByteBuf piece = pieces[i];
                if (!carriesItsChunkFraming(piece)) {
                    runBytes += piece.readableBytes();
                    continue;
                }
                writeRun(runStart, i, runBytes, false, http1Encoder.voidPromise());
                piece.setIndex(0, piece.writerIndex() + CRLF.length);
                http1Encoder.write(piece, i == count - 1 && !ends ? written : http1Encoder.voidPromise());
                pieces[i] = null;
                runStart = i + 1;
                runBytes = 0;
            }
            if (runStart < count) {
                writeRun(runStart, count, runBytes, ends, written);
            } else if (ends) {
                http1Encoder.write(copy(LAST_CHUNK), written);
            }
        }
        count = 0;
        bytes = 0;
    }

    /**
     * Writes {@code pieces[from, to)}, holding {@code runBytes}, as one chunk, and the body's end after it when
     * {@code ends}; a run with no bytes writes only that end, as an empty chunk would end the body.
     */
    private void writeRun(int from, int to, int runBytes, boolean ends, ChannelPromise written) {
        if (from == to) {
            return;
        }
        if (runBytes == 0) {
            for (int i = from; i < to; i++) {
                pieces[i].release();
                pieces[i] = null;
            }
            if (ends) {
                http1Encoder.write(copy(LAST_CHUNK), written);
            }
            return;
        }
        final ByteBuf header = http1Encoder.alloc().buffer(MAX_CHUNK_HEADER);
        writeHex(header, runBytes);
        header.writeShort(FieldLines.CRLF);
        http1Encoder.write(header, http1Encoder.voidPromise());
        for (int i = from; i < to; i++) {
            http1Encoder.write(pieces[i], http1Encoder.voidPromise());
            pieces[i] = null;
        }
        http1Encoder.write(copy(ends ? CRLF_LAST_CHUNK : CRLF), written);
    }

    /**
     * Whether {@code piece}'s buffer holds, around its readable bytes, the framing {@link #writeRun} would give it
     * alone: its size as {@link #writeHex} writes it and CRLF before them, and CRLF after.
     */
    private static boolean carriesItsChunkFraming(ByteBuf piece) {
        final int start = piece.readerIndex();
        final int end = piece.writerIndex();
        final int size = end - start;
        if (start == 0 || size == 0 || piece.capacity() - end < CRLF.length) {
            return false;
        }
        final int digits = ((31 - Integer.numberOfLeadingZeros(size)) >>> 2) + 1;
        if (start != digits + CRLF.length || piece.getByte(start - 2) != '\r' || piece.getByte(start - 1) != '\n'
                || piece.getByte(end) != '\r' || piece.getByte(end + 1) != '\n') {
            return false;
        }
        for (int k = 0; k < digits; k++) {
            if (piece.getByte(k) != HEX[(size >>> (digits - 1 - k) * 4) & 0xF]) {
                return false;
            }
        }
        return true;
    }

    /** The batch as the content of one HTTP/2 DATA frame. */
    private ByteBuf http2Content() {
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
        return content;
    }

    /** Drops what was gathered, and a head not yet written (the client is gone). */
    void release() {
        dropPieces();
        if (http1Head != null) {
            http1Head.release();
            http1Head = null;
        }
        http2Head = null;
    }

    private void dropPieces() {
        for (int i = 0; i < count; i++) {
            pieces[i].release();
            pieces[i] = null;
        }
        count = 0;
        bytes = 0;
    }

    private ByteBuf copy(byte[] bytes) {
        return http1Encoder.alloc().buffer(bytes.length).writeBytes(bytes);
    }

    private static void writeHex(ByteBuf out, int value) {
        for (int shift = (31 - Integer.numberOfLeadingZeros(value)) & ~3; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(value >>> shift) & 0xF]);
        }
    }
}
