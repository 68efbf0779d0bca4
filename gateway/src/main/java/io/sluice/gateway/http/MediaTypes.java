package io.sluice.gateway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.util.AsciiString;

/** Reads a message's media type without parsing its {@code content-type} (parameters such as charset may follow). */
public final class MediaTypes {
    private MediaTypes() {
    }

    /** Whether {@code message}'s content type is {@code mediaType}, in any case, with or without parameters. */
    public static boolean is(HttpMessage message, AsciiString mediaType) {
        final String contentType = message.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType == null || !contentType.regionMatches(true, 0, mediaType.toString(), 0, mediaType.length())) {
            return false;
        }
        // text/event-stream, not text/event-streams.
        final int next = mediaType.length();
        return next == contentType.length() || contentType.charAt(next) == ';' || contentType.charAt(next) == ' '
                || contentType.charAt(next) == '\t';
    }
}
