package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.Arrays;

/**
 * Reads the HTTP/1.1 responses of one upstream connection from the bytes of its reads: each head whole, as a
 * {@link ResponseHead}, and the body as it comes, in pieces that are slices of the reads themselves. Nothing is
 * made per piece but the slice; the head is copied once. Netty's {@code HttpResponseDecoder} built a header map
 * and a message object per chunk; a relay that passes the body on untouched needs neither.
 *
 * <p>Strict where a pooled connection needs it (RFC 9112): a head must be well formed ({@link ResponseHead}), a
 * chunk size is hexadecimal and at most {@link Integer#MAX_VALUE}, every chunk ends in CR LF, a chunk size line
 * (extensions and all) and the trailers are bounded (and dropped). Bytes that come in the same read after a
 * response's end spoil the connection: the response is still delivered, but the connection is never reused, so
 * they cannot be read as the answer to the next request. Bytes a backend sends later, once the connection carries
 * a new request, cannot be told from that request's answer, by this or any HTTP/1.1 client (nginx, too, only looks
 * at what is already there). Interim (1xx) responses are skipped; a 101 is refused, since Sluice never asks to
 * switch protocols. Refusal reasons are fixed sentences: no byte of the response reaches them.
 *
 * <p>A head is gathered in an array of the thread's while its end is looked for, and copied out whole: a connection
 * keeps an array of its own only while a head it has begun waits for its next read. A kilobyte kept by every
 * connection for its next head was an eighth of the heap an open stream held.
 *
 * <p>A chunk that comes whole in one read, its size line, data and CRLF, is handed over as a slice of all of it whose
 * readable bytes are the data: its framing lies in the slice's buffer, before and after them. A relay that passes the
 * chunk on unchanged can then write the backend's own framing with it instead of making its own
 * ({@code ResponseWriter}); anyone else reads the data as from any piece. So a piece's reader index may be above 0,
 * and the two bytes past its writer index may be that CRLF: a piece is read, never written into.
 *
 * <p>Part of the upstream connection seam (DESIGN.md §2b). Thread: the connection's event loop. Buffers: the read
 * passed to {@link #decode} stays the caller's; each body piece is a retained slice whose ownership passes to the
 * sink; the final piece may be an empty unpooled buffer.
 */
public final class ResponseDecoder {
    /** Where a decoded response goes; every call comes from within {@link #decode} or {@link #endOfInput}. */
    public interface Sink {
        void onHead(ResponseHead head);

        /**
         * A piece of the body, never empty unless {@code last}; owned by the sink. Its readable bytes are the body's;
         * its buffer may hold the chunk's framing around them (see the class), so it is not written into.
         */
        void onBody(ByteBuf piece, boolean last);

        /** The response is malformed; nothing more comes from this connection. */
        void onMalformed(String reason);
    }

    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int MAX_CHUNK_LINE_BYTES = 4096;
    static final int MAX_TRAILER_BYTES = 64 * 1024;
    /** How much of a read is copied at a time while its head's end is looked for. */
    private static final int HEAD_STEP = 512;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private enum State {
        HEAD, BODY, UNTIL_CLOSE, CHUNK_SIZE, CHUNK_SIZE_SPACE, CHUNK_EXTENSION, CHUNK_SIZE_LF, CHUNK_DATA,
        CHUNK_DATA_CR, CHUNK_DATA_LF, TRAILER, TRAILER_LF, BROKEN
    }

    /** Where the heads a thread reads are gathered, grown to the most of one head it has gathered in one read. */
    private static final FastThreadLocal<byte[]> GATHERED = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[HEAD_STEP * 2];
        }
    };

    private State state = State.HEAD;
    /**
     * The head read so far: the thread's array ({@link #GATHERED}) within one read, the connection's own once the head
     * waits for the next read; null when no head has begun.
     */
    private byte[] head;
    /** Whether {@link #head} is the connection's own array rather than the thread's. */
    private boolean headOwned;
    private int headLength;
    /** The lines of the head read so far, which size its field offsets. */
    private int headLines;
    /** Body bytes left of the message (BODY) or chunk (CHUNK_DATA). */
    private long remaining;
    private int sizeDigits;
    /** Where the current chunk's size line starts in the read being decoded; -1 when it began in an earlier read. */
    private int chunkLineStart = -1;
    /** Bytes of the current chunk size line, or of the current trailer line. */
    private int lineBytes;
    private int trailerBytes;

    /** Reads what {@code in} holds, to its end. */
    public void decode(ByteBuf in, Sink sink) {
        chunkLineStart = state == State.CHUNK_SIZE && lineBytes == 0 ? in.readerIndex() : -1;
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> readHead(in, sink);
                case BODY -> readBody(in, sink);
                case UNTIL_CLOSE -> sink.onBody(in.readRetainedSlice(in.readableBytes()), false);
                case CHUNK_DATA -> readChunk(in, sink);
                case BROKEN -> in.skipBytes(in.readableBytes());
                default -> readFramingByte(in.readByte(), in, sink);
            }
        }
    }

    /** The backend closed: a body that runs until close ends here; any other unfinished response is cut short. */
    public void endOfInput(Sink sink) {
        if (state == State.UNTIL_CLOSE) {
            state = State.BROKEN;
            sink.onBody(Unpooled.EMPTY_BUFFER, true);
        }
    }

    /** Whether the connection is between responses with nothing unread: only then may it carry another request. */
    boolean betweenResponses() {
        return state == State.HEAD && headLength == 0;
    }

    /** Whether the connection can carry nothing more: a response was malformed, or bytes followed one's end. */
    boolean broken() {
        return state == State.BROKEN;
    }

    private void readHead(ByteBuf in, Sink sink) {
        final int room = MAX_HEAD_BYTES - headLength;
        if (room == 0) {
            malformed(in, sink, "its head is larger than " + MAX_HEAD_BYTES / 1024 + " KiB");
            return;
        }
        final int step = Math.min(Math.min(in.readableBytes(), HEAD_STEP), room);
        if (head == null) {
            head = GATHERED.get();
        }
        if (headLength + step > head.length) {
            head = Arrays.copyOf(head, Math.min(MAX_HEAD_BYTES, Math.max(head.length * 2, headLength + step)));
            if (!headOwned) {
                GATHERED.set(head);
            }
        }
        in.getBytes(in.readerIndex(), head, headLength, step);
        final int from = headLength;
        headLength += step;
        for (int i = from; i < headLength; i++) {
            if (head[i] != LF) {
                continue;
            }
            if (i == 0 || head[i - 1] != CR) {
                malformed(in, sink, "a line of its head ends in a bare LF");
                return;
            }
            headLines++;
            if (i >= 3 && head[i - 2] == LF && head[i - 3] == CR) {
                final int end = i + 1;
                final int fieldLines = headLines - 2;
                in.skipBytes(end - from);
                final byte[] whole = Arrays.copyOf(head, end);
                endHead();
                onHead(whole, fieldLines, in, sink);
                return;
            }
        }
        in.skipBytes(step);
        if (!in.isReadable() && !headOwned) {
            // The head goes on in the next read, and the thread's array serves other connections meanwhile.
            head = Arrays.copyOf(head, headLength);
            headOwned = true;
        }
    }

    /** No head is being read any more: nothing of one is kept. */
    private void endHead() {
        head = null;
        headOwned = false;
        headLength = 0;
        headLines = 0;
    }

    private void onHead(byte[] bytes, int fieldLines, ByteBuf in, Sink sink) {
        final ResponseHead parsed;
        try {
            parsed = ResponseHead.parse(bytes, fieldLines);
        } catch (ResponseHead.MalformedHead e) {
            malformed(in, sink, e.getMessage());
            return;
        }
        if (parsed.status() == 101) {
            malformed(in, sink, "it switches protocols, which Sluice never asks for");
            return;
        }
        if (parsed.status() < 200) {
            // An interim response (100 Continue, 103 Early Hints): the final one follows.
            return;
        }
        switch (parsed.framing()) {
            case LENGTH -> {
                state = State.BODY;
                remaining = parsed.contentLength();
            }
            case CHUNKED -> startChunkSize(in);
            case UNTIL_CLOSE -> state = State.UNTIL_CLOSE;
            case NONE -> {
                // Its end is heard next; until then the connection is not between responses.
                state = State.BODY;
                remaining = 0;
            }
        }
        sink.onHead(parsed);
        if (parsed.framing() == ResponseHead.Framing.NONE) {
            end(Unpooled.EMPTY_BUFFER, in, sink);
        }
    }

    private void readBody(ByteBuf in, Sink sink) {
        final int length = (int) Math.min(remaining, in.readableBytes());
        final ByteBuf piece = in.readRetainedSlice(length);
        remaining -= length;
        if (remaining == 0) {
            end(piece, in, sink);
        } else {
            sink.onBody(piece, false);
        }
    }

    private void readChunk(ByteBuf in, Sink sink) {
        final int length = (int) Math.min(remaining, in.readableBytes());
        remaining -= length;
        if (remaining == 0) {
            state = State.CHUNK_DATA_CR;
            if (chunkLineStart >= 0) {
                sink.onBody(wholeChunk(in, length), false);
                return;
            }
        }
        sink.onBody(in.readRetainedSlice(length), false);
    }

    /**
     * The next {@code length} bytes, the rest of a chunk whose size line began in this read, as a slice that also holds
     * that line and the CRLF after the data when the read holds the CRLF; as a slice of the data alone otherwise. The
     * CR LF are left for {@link #readFramingByte} to check, as after any chunk.
     */
    private ByteBuf wholeChunk(ByteBuf in, int length) {
        final int dataStart = in.readerIndex();
        final int dataEnd = dataStart + length;
        if (in.writerIndex() - dataEnd < 2 || in.getByte(dataEnd) != CR || in.getByte(dataEnd + 1) != LF) {
            return in.readRetainedSlice(length);
        }
        final ByteBuf chunk = in.retainedSlice(chunkLineStart, dataEnd + 2 - chunkLineStart);
        chunk.setIndex(dataStart - chunkLineStart, dataEnd - chunkLineStart);
        in.skipBytes(length);
        return chunk;
    }

    /** One byte of a chunk size line, of the CR LF after a chunk's data, or of the trailers. */
    private void readFramingByte(byte b, ByteBuf in, Sink sink) {
        switch (state) {
            case CHUNK_SIZE, CHUNK_SIZE_SPACE, CHUNK_EXTENSION -> readChunkSizeLine(b, in, sink);
            case CHUNK_SIZE_LF -> {
                if (b != LF) {
                    malformed(in, sink, "a chunk size line ends without CR LF");
                } else if (remaining == 0) {
                    state = State.TRAILER;
                    lineBytes = 0;
                    trailerBytes = 0;
                } else {
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_DATA_CR -> expect(b, CR, State.CHUNK_DATA_LF, in, sink);
            case CHUNK_DATA_LF -> {
                if (expect(b, LF, State.CHUNK_SIZE, in, sink)) {
                    startChunkSize(in);
                }
            }
            case TRAILER -> {
                if (++trailerBytes > MAX_TRAILER_BYTES) {
                    malformed(in, sink, "its trailers are larger than " + MAX_TRAILER_BYTES / 1024 + " KiB");
                } else if (b == CR) {
                    state = State.TRAILER_LF;
                } else if (isControl(b)) {
                    malformed(in, sink, "a trailer line holds a control character or a bare LF");
                } else {
                    lineBytes++;
                }
            }
            case TRAILER_LF -> {
                if (b != LF) {
                    malformed(in, sink, "a trailer line ends without CR LF");
                } else if (lineBytes == 0) {
                    end(Unpooled.EMPTY_BUFFER, in, sink);
                } else {
                    // A trailer field: dropped, as the client's response has none.
                    state = State.TRAILER;
                    lineBytes = 0;
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /** One byte of a chunk size line before its LF: the size's digits, spaces, extensions, or the CR. */
    private void readChunkSizeLine(byte b, ByteBuf in, Sink sink) {
        if (++lineBytes > MAX_CHUNK_LINE_BYTES) {
            malformed(in, sink, "a chunk size line is longer than " + MAX_CHUNK_LINE_BYTES + " bytes");
        } else if (state == State.CHUNK_EXTENSION) {
            if (b == CR) {
                state = State.CHUNK_SIZE_LF;
            } else if (isControl(b)) {
                malformed(in, sink, "a chunk's extensions hold a control character");
            }
        } else if (state == State.CHUNK_SIZE_SPACE) {
            afterChunkSize(b, in, sink);
        } else {
            final int digit = Character.digit(b, 16);
            if (digit >= 0) {
                remaining = remaining * 16 + digit;
                if (remaining > Integer.MAX_VALUE) {
                    malformed(in, sink, "a chunk size is larger than " + Integer.MAX_VALUE);
                }
                sizeDigits++;
            } else if (sizeDigits == 0) {
                malformed(in, sink, "a chunk size is not hexadecimal");
            } else {
                afterChunkSize(b, in, sink);
            }
        }
    }

    /** After a chunk size's digits: spaces before its extensions, the extensions, or the line's end. */
    private void afterChunkSize(byte b, ByteBuf in, Sink sink) {
        if (b == ' ' || b == '\t') {
            state = State.CHUNK_SIZE_SPACE;
        } else if (b == ';') {
            state = State.CHUNK_EXTENSION;
        } else if (b == CR) {
            state = State.CHUNK_SIZE_LF;
        } else {
            malformed(in, sink, "a chunk size line holds more than hexadecimal digits and extensions");
        }
    }

    private boolean expect(byte b, byte expected, State next, ByteBuf in, Sink sink) {
        if (b != expected) {
            malformed(in, sink, "a chunk's data does not end in CR LF");
            return false;
        }
        state = next;
        return true;
    }

    private void startChunkSize(ByteBuf in) {
        state = State.CHUNK_SIZE;
        chunkLineStart = in.readerIndex();
        remaining = 0;
        sizeDigits = 0;
        lineBytes = 0;
    }

    /**
     * The response ends with {@code piece}. Bytes after it in the same read came before any next request: the
     * connection is marked broken before the sink hears the end, so that it is not given back to the pool.
     */
    private void end(ByteBuf piece, ByteBuf in, Sink sink) {
        if (in.isReadable()) {
            state = State.BROKEN;
            in.skipBytes(in.readableBytes());
        } else {
            state = State.HEAD;
        }
        sink.onBody(piece, true);
    }

    private void malformed(ByteBuf in, Sink sink, String reason) {
        state = State.BROKEN;
        endHead();
        in.skipBytes(in.readableBytes());
        sink.onMalformed(reason);
    }

    /** A control character other than HTAB, LF included: none may stand in a framing line. */
    private static boolean isControl(byte b) {
        return b >= 0 && b < ' ' && b != '\t' || b == 0x7f;
    }
}
