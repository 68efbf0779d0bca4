package io.sluice.gateway.http;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.InvalidChunkExtensionException;
import io.netty.handler.codec.http.InvalidChunkTerminationException;
import io.netty.handler.codec.http.InvalidLineSeparatorException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;

/**
 * What to tell a client whose HTTP/1.1 request the decoder refused: the status, and the reason in the request's
 * own terms. The decoder's exception messages are never passed on: some quote the bytes they choked on (a header
 * name, a version token), and request bytes must not reach a client's error or a log line.
 */
public final class MalformedRequests {
    private MalformedRequests() {
    }

    /** A request refused by Sluice's own checks of the head; its message names no request bytes. */
    public static final class Refused extends IllegalArgumentException {
        public Refused(String message) {
            super(message, null);
        }
    }

    /** The status of a request whose head could not be decoded. */
    public static ErrorKind headKind(Throwable cause) {
        return cause instanceof TooLongHttpLineException ? ErrorKind.URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException ? ErrorKind.HEADERS_TOO_LARGE
                : cause instanceof TooLongFrameException ? ErrorKind.REQUEST_TOO_LARGE
                : ErrorKind.BAD_REQUEST;
    }

    /** Why the head could not be decoded. */
    public static String headReason(Throwable cause) {
        if (cause instanceof Refused refused) {
            return refused.getMessage();
        }
        if (cause instanceof TooLongHttpLineException) {
            return "The request line is too long.";
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return "The request headers are too large.";
        }
        if (cause instanceof InvalidLineSeparatorException) {
            return "The request head has a line ending in a bare LF; HTTP/1.1 lines end in CRLF.";
        }
        if (cause instanceof TransferEncodingNotAllowedException) {
            return "Transfer-Encoding is only allowed in HTTP/1.1 requests.";
        }
        if (cause instanceof ContentLengthNotAllowedException) {
            return "Content-Length is not allowed together with this request's framing.";
        }
        return "The request line or headers are not valid HTTP/1.1.";
    }

    /** Why a chunked body could not be decoded (always a 400: the framing, not the size, is wrong). */
    public static String bodyReason(Throwable cause) {
        if (cause instanceof NumberFormatException) {
            return "A chunk size is not a valid hexadecimal number.";
        }
        if (cause instanceof TooLongHttpLineException) {
            return "A chunk-size line is too long.";
        }
        if (cause instanceof InvalidChunkExtensionException || cause instanceof InvalidLineSeparatorException) {
            return "A chunk-size line is malformed: it must end in CRLF, with well-formed extensions.";
        }
        if (cause instanceof InvalidChunkTerminationException) {
            return "A chunk's data is not followed by CRLF.";
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return "The request's trailers are too large.";
        }
        return "The chunked request body is malformed.";
    }
}
