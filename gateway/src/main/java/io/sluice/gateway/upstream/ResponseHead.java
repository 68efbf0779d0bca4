package io.sluice.gateway.upstream;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldSyntax;
import io.sluice.gateway.http.HopByHop;
import io.sluice.gateway.http.MediaTypes;

/**
 * The head of a backend's HTTP/1.1 response: its status, its header fields as views into the bytes it came in, and
 * how its body is framed. Parsed with RFC 9112's rules at their strictest, since the connection it came on is
 * pooled: a head that could be read two ways (a length beside chunked framing, two lengths, a folded line, a bare
 * LF) is refused, never guessed at, so that no backend can make the pool read one response as two.
 *
 * <p>Part of the upstream connection seam (DESIGN.md §2b): {@link ResponseDecoder} makes it, the exchange that
 * leases the connection reads it. Immutable once parsed; its bytes are its own copy, so it outlives the read that
 * brought it. Names and values are ISO-8859-1 views, not copies.
 */
public final class ResponseHead {
    /** No length was given: the body is chunked, or runs until the backend closes. */
    public static final long NO_LENGTH = -1;
    private static final AsciiString HTTP_1 = AsciiString.cached("HTTP/1.");
    private static final int STATUS_LINE_MIN = "HTTP/1.1 200\r\n".length();
    private static final int MAX_LENGTH_DIGITS = 18;
    private static final int NO_CONTENT = 204;
    private static final int NOT_MODIFIED = 304;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    /** Why a head was refused. Its message is one of this class's own sentences and never quotes the bytes. */
    static final class MalformedHead extends Exception {
        MalformedHead(String reason) {
            super(reason, null, false, false);
        }
    }

    /** How the body after the head is delimited. */
    enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    /** The head's bytes, which names and values are views of. */
    private final AsciiString text;
    private final int status;
    /** Four offsets into {@link #text} per field: name start, name end, value start, value end. */
    private final int[] fields;
    private final int count;
    private final boolean keepAlive;
    private final long contentLength;
    private final Framing framing;

    private ResponseHead(AsciiString text, int status, int[] fields, int count, boolean keepAlive,
                         long contentLength, Framing framing) {
        this.text = text;
        this.status = status;
        this.fields = fields;
        this.count = count;
        this.keepAlive = keepAlive;
        this.contentLength = contentLength;
        this.framing = framing;
    }

    /**
     * Parses a whole head: the status line, the field lines and the empty line, every line ending in CR LF.
     *
     * @param bytes      the head and nothing after it; kept by the head, so the caller must not change it
     * @param fieldLines the lines between the status line and the empty line, which the decoder counted as it
     *                   looked for the head's end: as obs-fold is refused, one field each
     */
    static ResponseHead parse(byte[] bytes, int fieldLines) throws MalformedHead {
        final int length = bytes.length;
        // Every scan below stops at a CR at the latest, and this one ends the array.
        if (length < 4 || bytes[length - 4] != CR || bytes[length - 3] != LF || bytes[length - 2] != CR
                || bytes[length - 1] != LF) {
            throw new MalformedHead("it does not end with an empty line");
        }
        final AsciiString text = new AsciiString(bytes, false);
        if (length < STATUS_LINE_MIN || !text.startsWith(HTTP_1)
                || bytes[7] != '1' && bytes[7] != '0' || bytes[8] != ' ') {
            throw new MalformedHead("its status line is not HTTP/1.1 or HTTP/1.0");
        }
        final boolean http11 = bytes[7] == '1';
        final int status = digit(bytes[9]) * 100 + digit(bytes[10]) * 10 + digit(bytes[11]);
        if (status < 100 || status > 599) {
            throw new MalformedHead("its status code is not one of 100 to 599");
        }
        int at = 12;
        if (bytes[at] == ' ') {
            at = skipText(bytes, at + 1, "its reason phrase holds a control character");
        }
        at = lineEnd(bytes, at, "its status line ends without CR LF");
        final int[] fields = new int[fieldLines * 4];
        int count = 0;
        boolean close = false;
        boolean keepAliveAsked = false;
        long contentLength = NO_LENGTH;
        boolean chunked = false;
        while (bytes[at] != CR) {
            if (bytes[at] == ' ' || bytes[at] == '\t') {
                throw new MalformedHead("it folds a header line (obs-fold)");
            }
            final int nameStart = at;
            while (FieldSyntax.isTokenChar(bytes[at])) {
                at++;
            }
            if (at == nameStart || bytes[at] != ':') {
                throw new MalformedHead("a header name is empty, not a token, or not followed by a colon");
            }
            final int nameEnd = at;
            at++;
            while (bytes[at] == ' ' || bytes[at] == '\t') {
                at++;
            }
            final int valueStart = at;
            at = skipText(bytes, at, "a header value holds a control character");
            int valueEnd = at;
            while (valueEnd > valueStart && (bytes[valueEnd - 1] == ' ' || bytes[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            at = lineEnd(bytes, at, "a header line ends without CR LF");
            fields[count * 4] = nameStart;
            fields[count * 4 + 1] = nameEnd;
            fields[count * 4 + 2] = valueStart;
            fields[count * 4 + 3] = valueEnd;
            count++;
            if (nameIs(text, nameStart, nameEnd, HttpHeaderNames.CONTENT_LENGTH)) {
                if (contentLength != NO_LENGTH) {
                    throw new MalformedHead("it gives Content-Length more than once");
                }
                contentLength = length(bytes, valueStart, valueEnd);
            } else if (nameIs(text, nameStart, nameEnd, HttpHeaderNames.TRANSFER_ENCODING)) {
                if (chunked) {
                    throw new MalformedHead("it gives Transfer-Encoding more than once");
                }
                if (!nameIs(text, valueStart, valueEnd, HttpHeaderValues.CHUNKED)) {
                    throw new MalformedHead("its Transfer-Encoding is not chunked alone");
                }
                chunked = true;
            } else if (nameIs(text, nameStart, nameEnd, HttpHeaderNames.CONNECTION)) {
                final AsciiString tokens = text.subSequence(valueStart, valueEnd, false);
                close |= HopByHop.listedIn(tokens, HttpHeaderValues.CLOSE);
                keepAliveAsked |= HopByHop.listedIn(tokens, HttpHeaderValues.KEEP_ALIVE);
            }
        }
        if (at + 2 != length || bytes[at + 1] != LF) {
            throw new MalformedHead("it does not end with an empty line");
        }
        if (chunked && contentLength != NO_LENGTH) {
            throw new MalformedHead("it gives both Content-Length and Transfer-Encoding");
        }
        final Framing framing = hasNoBody(status) ? Framing.NONE
                : chunked ? Framing.CHUNKED
                : contentLength == 0 ? Framing.NONE
                : contentLength > 0 ? Framing.LENGTH
                : Framing.UNTIL_CLOSE;
        // HTTP/1.0 has no chunked coding: a 1.0 response that uses it is read, but its framing is not trusted
        // enough to read another response after it (RFC 9112 §6.1).
        final boolean keepAlive = framing != Framing.UNTIL_CLOSE && !close
                && (http11 || keepAliveAsked && framing != Framing.CHUNKED);
        return new ResponseHead(text, status, fields, count, keepAlive, contentLength, framing);
    }

    public int status() {
        return status;
    }

    /**
     * Whether a response of {@code status} has no body, whatever its head says of one (RFC 9112 §6.3): an interim
     * response, a 204 or a 304.
     */
    public static boolean hasNoBody(int status) {
        return status < 200 || status == NO_CONTENT || status == NOT_MODIFIED;
    }

    /** Whether the connection can carry another request after this response, as far as its head says. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /**
     * The Content-Length the head gives (even where the status allows no body, as 204 and 304), or
     * {@link #NO_LENGTH} when the body is chunked or runs until close.
     */
    public long contentLength() {
        return contentLength;
    }

    Framing framing() {
        return framing;
    }

    /** The number of header fields, each counted once per line. */
    public int size() {
        return count;
    }

    public AsciiString name(int index) {
        return view(fields[index * 4], fields[index * 4 + 1]);
    }

    public AsciiString value(int index) {
        return view(fields[index * 4 + 2], fields[index * 4 + 3]);
    }

    /** The value of the first field named {@code name}, in any case; null if there is none. */
    public AsciiString get(AsciiString name) {
        for (int i = 0; i < count; i++) {
            if (nameIs(text, fields[i * 4], fields[i * 4 + 1], name)) {
                return value(i);
            }
        }
        return null;
    }

    /** Whether the content type is {@code mediaType}, with or without parameters. */
    public boolean isContentType(AsciiString mediaType) {
        return MediaTypes.is(get(HttpHeaderNames.CONTENT_TYPE), mediaType);
    }

    private AsciiString view(int start, int end) {
        return text.subSequence(start, end, false);
    }

    private static int digit(byte b) throws MalformedHead {
        if (b < '0' || b > '9') {
            throw new MalformedHead("its status code is not three digits");
        }
        return b - '0';
    }

    /** The index of the first byte from {@code at} that is not SP, HTAB, visible ASCII or obs-text. */
    private static int skipText(byte[] bytes, int at, String refusal) throws MalformedHead {
        while (true) {
            final byte b = bytes[at];
            if (b == CR) {
                return at;
            }
            // Bytes are signed: obs-text (0x80 to 0xFF) is negative, and allowed.
            if (b >= 0 && b < ' ' && b != '\t' || b == 0x7f) {
                throw new MalformedHead(refusal);
            }
            at++;
        }
    }

    /** The index after the CR LF at {@code at}. */
    private static int lineEnd(byte[] bytes, int at, String refusal) throws MalformedHead {
        if (at + 1 >= bytes.length || bytes[at] != CR || bytes[at + 1] != LF) {
            throw new MalformedHead(refusal);
        }
        return at + 2;
    }

    /** Whether the bytes from {@code start} to {@code end} are {@code name}, ignoring ASCII case. */
    private static boolean nameIs(AsciiString text, int start, int end, AsciiString name) {
        return end - start == name.length() && text.regionMatches(true, start, name, 0, name.length());
    }

    private static long length(byte[] bytes, int start, int end) throws MalformedHead {
        if (start == end || end - start > MAX_LENGTH_DIGITS) {
            throw new MalformedHead("its Content-Length is not a number of at most 18 digits");
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            if (bytes[i] < '0' || bytes[i] > '9') {
                throw new MalformedHead("its Content-Length is not a number of at most 18 digits");
            }
            value = value * 10 + (bytes[i] - '0');
        }
        return value;
    }
}
