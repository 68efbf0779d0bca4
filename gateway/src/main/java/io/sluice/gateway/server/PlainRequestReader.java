package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldNames;
import io.sluice.gateway.http.FieldSyntax;

import java.nio.charset.StandardCharsets;

/**
 * Reads the common HTTP/1.1 request in one step: a whole head of the plainest form, with no body or with a body sized
 * by one Content-Length that has wholly arrived, made into one {@link FullHttpRequest}.
 *
 * <p>It refuses nothing. Whatever is not of that form it leaves where it is, for Netty's decoder
 * ({@link StrictRequestDecoder}) to read as before, with every refusal and its answer: a head or body still
 * arriving, a body over {@code maxBody}, chunked framing, {@code Expect}, {@code Upgrade} (h2c, WebSocket), a folded
 * line, a bare LF, more than one space between the request line's parts, a control, DEL or non-ASCII byte, a line
 * or head over the decoder's limits (counted as it counts them), a Content-Length that is not plain digits or comes
 * twice, a version other than HTTP/1.1 and HTTP/1.0. What it does read, that decoder reads the same way, to the same
 * method, target, version, fields and body: the request line's parts as they are, field names and values with the
 * spaces and tabs around a value left out. Names and values are views into one copy of the head, which is what makes
 * it cheaper than that decoder (a copy per line, a string per value) besides handing the request handler one message
 * instead of a head and its body. Netty's decoder and its plumbing held about 7 % of the user-mode CPU of an
 * HTTP/1.1 JSON answer ({@code bench/RESULTS.md}).
 *
 * <p>Position: the HTTP/1.1 front, inside {@link StrictRequestDecoder}, which calls it only between requests.
 * Thread: the connection's event loop. Buffers: the body is a retained slice of the read buffer, owned by the
 * request returned; the read buffer itself stays the caller's.
 */
final class PlainRequestReader {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HTAB = '\t';
    private static final int VERSION_LENGTH = "HTTP/1.1".length();
    /** The shortest request: {@code "M / HTTP/1.1\r\n\r\n"}. */
    private static final int SHORTEST = 16;
    private static final int MAX_LENGTH_DIGITS = 18;
    /** {@code expect}: a shorter name, such as {@code host}, needs no look in {@link #LEFT_TO_NETTY}. */
    private static final int SHORTEST_LEFT_TO_NETTY = HttpHeaderNames.EXPECT.length();
    private static final int CONTENT_LENGTH_LENGTH = HttpHeaderNames.CONTENT_LENGTH.length();
    /** Fields whose request Netty's decoder reads, or refuses, as only it can. */
    private static final FieldNames LEFT_TO_NETTY = FieldNames.of(HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.EXPECT, HttpHeaderNames.UPGRADE, HttpHeaderNames.SEC_WEBSOCKET_KEY1,
            HttpHeaderNames.SEC_WEBSOCKET_KEY2);
    /**
     * Header maps that do not check their fields again: this class lets through only names of tchars and values of
     * visible ASCII, spaces and tabs, with none at either end, which Netty's validators (a token; no control byte, no
     * space or tab first) pass. Nothing adds fields to a client's request later.
     */
    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final int maxInitialLine;
    private final int maxHeaderSize;
    private final int maxBody;

    /**
     * @param maxInitialLine the decoder's longest request line, without its CR LF
     * @param maxHeaderSize  the decoder's largest field section: its lines' lengths without their CR LFs, summed
     * @param maxBody        the largest body read here: the decoder's largest body piece, so that a body read here
     *                       comes as the decoder would have given it, in one piece
     */
    PlainRequestReader(int maxInitialLine, int maxHeaderSize, int maxBody) {
        this.maxInitialLine = maxInitialLine;
        this.maxHeaderSize = maxHeaderSize;
        this.maxBody = maxBody;
    }

    /**
     * The request at the start of {@code in}, past which {@code in} is then read; or null, with {@code in} untouched,
     * when it is not a plain whole request.
     */
    FullHttpRequest read(ByteBuf in) {
        final int start = in.readerIndex();
        final int end = in.writerIndex();
        if (end - start < SHORTEST || !isUpperCase(in.getByte(start))) {
            return null;
        }
        // The head's end, found line by line within the limits; the line lengths exclude the CR LF.
        int lineStart = start;
        int requestLineEnd = -1;
        int fieldBytes = 0;
        int headEnd;
        while (true) {
            final int allowed = requestLineEnd < 0 ? maxInitialLine : maxHeaderSize - fieldBytes;
            final int lf = in.indexOf(lineStart, (int) Math.min(end, lineStart + allowed + 2L), LF);
            if (lf <= lineStart || in.getByte(lf - 1) != CR) {
                return null;
            }
            final int length = lf - 1 - lineStart;
            if (requestLineEnd < 0) {
                requestLineEnd = length;
            } else if (length == 0) {
                headEnd = lf + 1;
                break;
            } else {
                fieldBytes += length;
            }
            lineStart = lf + 1;
        }
        final byte[] head = new byte[headEnd - start];
        in.getBytes(start, head);
        return parse(in, head, requestLineEnd, headEnd);
    }

    private FullHttpRequest parse(ByteBuf in, byte[] head, int requestLineEnd, int headEnd) {
        // The request line: method SP target SP version.
        int at = 0;
        while (isUpperCase(head[at])) {
            at++;
        }
        final int methodEnd = at;
        if (head[at++] != SP) {
            return null;
        }
        final int targetStart = at;
        while (head[at] > SP && head[at] < 0x7f) {
            at++;
        }
        final int targetEnd = at;
        if (targetEnd == targetStart || head[at++] != SP || requestLineEnd - at != VERSION_LENGTH) {
            return null;
        }
        final HttpVersion version = version(head, at);
        if (version == null) {
            return null;
        }
        at = requestLineEnd + 2;
        // Up to the empty line that ends the head, which its scan found: a line that only begins with a CR is not it.
        final int fieldsEnd = head.length - 2;
        final HttpHeaders headers = HEADERS.newHeaders();
        long contentLength = -1;
        while (at < fieldsEnd) {
            final int nameStart = at;
            while (FieldSyntax.isTokenChar(head[at])) {
                at++;
            }
            if (at == nameStart || head[at] != ':') {
                return null;
            }
            final int nameEnd = at++;
            while (head[at] == SP || head[at] == HTAB) {
                at++;
            }
            final int valueStart = at;
            while (head[at] >= SP && head[at] < 0x7f || head[at] == HTAB) {
                at++;
            }
            if (head[at] != CR || head[at + 1] != LF) {
                return null;   // a control, DEL or non-ASCII byte, or a CR alone
            }
            int valueEnd = at;
            while (valueEnd > valueStart && (head[valueEnd - 1] == SP || head[valueEnd - 1] == HTAB)) {
                valueEnd--;
            }
            at += 2;
            final AsciiString name = new AsciiString(head, nameStart, nameEnd - nameStart, false);
            if (name.length() >= SHORTEST_LEFT_TO_NETTY && LEFT_TO_NETTY.contains(name)) {
                return null;
            }
            if (name.length() == CONTENT_LENGTH_LENGTH
                    && name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH)) {
                if (contentLength >= 0) {
                    return null;
                }
                contentLength = length(head, valueStart, valueEnd);
                if (contentLength < 0) {
                    return null;
                }
            }
            headers.add(name, new AsciiString(head, valueStart, valueEnd - valueStart, false));
        }
        final long bodyLength = Math.max(0, contentLength);
        if (bodyLength > maxBody || headEnd + bodyLength > in.writerIndex()) {
            return null;
        }
        final HttpMethod method = method(head, methodEnd);
        final String target = new String(head, targetStart, targetEnd - targetStart, StandardCharsets.ISO_8859_1);
        final ByteBuf body = bodyLength == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(headEnd, (int) bodyLength);
        in.readerIndex(headEnd + (int) bodyLength);
        // A request read by Netty's decoder without a body ends with its empty last content, whose trailers are
        // these too.
        return new DefaultFullHttpRequest(version, method, target, body, headers, EmptyHttpHeaders.INSTANCE);
    }

    private static HttpVersion version(byte[] head, int at) {
        if (head[at] != 'H' || head[at + 1] != 'T' || head[at + 2] != 'T' || head[at + 3] != 'P'
                || head[at + 4] != '/' || head[at + 5] != '1' || head[at + 6] != '.') {
            return null;
        }
        return head[at + 7] == '1' ? HttpVersion.HTTP_1_1 : head[at + 7] == '0' ? HttpVersion.HTTP_1_0 : null;
    }

    private static HttpMethod method(byte[] head, int length) {
        if (length == 4 && head[0] == 'P' && head[1] == 'O' && head[2] == 'S' && head[3] == 'T') {
            return HttpMethod.POST;
        }
        if (length == 3 && head[0] == 'G' && head[1] == 'E' && head[2] == 'T') {
            return HttpMethod.GET;
        }
        return HttpMethod.valueOf(new String(head, 0, length, StandardCharsets.ISO_8859_1));
    }

    /** A Content-Length of plain digits without a leading zero, which are left to Netty's decoder; else -1. */
    private static long length(byte[] head, int start, int end) {
        if (start == end || end - start > MAX_LENGTH_DIGITS || head[start] == '0' && end - start > 1) {
            return -1;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            if (head[i] < '0' || head[i] > '9') {
                return -1;
            }
            value = value * 10 + (head[i] - '0');
        }
        return value;
    }

    private static boolean isUpperCase(byte b) {
        return b >= 'A' && b <= 'Z';
    }
}
