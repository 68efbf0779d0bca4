package io.sluice.gateway.http;

import io.netty.util.AsciiString;

/** Reads a media type without parsing its {@code content-type} (parameters such as charset may follow). */
public final class MediaTypes {
    private MediaTypes() {
    }

    /** Whether {@code contentType} (null if absent) is {@code mediaType}, in any case, with or without parameters. */
    public static boolean is(CharSequence contentType, AsciiString mediaType) {
        if (contentType == null || contentType.length() < mediaType.length()
                || !AsciiString.regionMatches(contentType, true, 0, mediaType, 0, mediaType.length())) {
            return false;
        }
        // text/event-stream, not text/event-streams.
        final int next = mediaType.length();
        return next == contentType.length() || contentType.charAt(next) == ';' || contentType.charAt(next) == ' '
                || contentType.charAt(next) == '\t';
    }
}
