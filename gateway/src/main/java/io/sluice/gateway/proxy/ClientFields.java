package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldLines;
import io.sluice.gateway.upstream.RequestHead;

import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The client's header fields as an exchange keeps them for its attempts, and a balancer's session affinity reads
 * them: a view of the request's header map while the answer is short-lived, and from the moment it turns out to be an
 * event stream, one copy of their bytes. There each field is a line as a backend is sent it ({@code name: value} and
 * CR LF), those sent upstream marked, and the map is let go: an open stream keeps four objects for the client's
 * fields where the map kept an entry and two strings per field and its own, some fifty for an SDK's request, each of
 * which every young collection copies while the stream is open. A short answer does not pay for the copy.
 *
 * <p>Part of the {@code Attempt} seam (DESIGN.md §2b), what the exchange keeps of the request for a retry, a fallback or
 * a continuation: {@link ProxyExchange} makes it once per request ({@link ProxyHeaders#clientFields}), and
 * {@link UpstreamCall} writes the sent fields into every attempt's head. Thread: the exchange's event loop.
 *
 * <p>The copy's lines are written by {@link FieldLines}, as a head written field by field writes them (one byte per
 * char), so they are the bytes such a head holds.
 */
public final class ClientFields {
    /** No field at all: a request that did not come with HTTP headers (a WebSocket message). */
    public static final ClientFields NONE = new ClientFields(null, null);

    /** The request's header map, until {@link #keepCopy}; then null. */
    private HttpHeaders map;
    private Predicate<CharSequence> sentUpstream;
    /** The copy, from {@link #keepCopy}; until then null. */
    private AsciiString lines;
    /**
     * Per field of the copy, two offsets into {@link #lines}: where its name ends, or that offset's complement
     * ({@code ~end}) when the field is not sent upstream; and where its line ends, the next one's start.
     */
    private int[] ends;

    private ClientFields(HttpHeaders map, Predicate<CharSequence> sentUpstream) {
        this.map = map;
        this.sentUpstream = sentUpstream;
        if (map == null) {
            lines = AsciiString.EMPTY_STRING;
            ends = new int[0];
        }
    }

    /** A view of {@code headers}, of which the fields {@code sentUpstream} accepts go to every attempt. */
    public static ClientFields of(HttpHeaders headers, Predicate<CharSequence> sentUpstream) {
        return new ClientFields(headers, sentUpstream);
    }

    /** Copies every value of every field, in order, and lets the header map go. Once is enough. */
    public void keepCopy() {
        if (map == null) {
            return;
        }
        int length = 0;
        int count = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = map.iteratorCharSequence(); it.hasNext(); count++) {
            final Map.Entry<CharSequence, CharSequence> field = it.next();
            length += FieldLines.length(field.getKey(), field.getValue());
        }
        final byte[] bytes = new byte[length];
        final ByteBuf writing = Unpooled.wrappedBuffer(bytes).clear();
        final int[] fieldEnds = new int[count * 2];
        int i = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = map.iteratorCharSequence(); it.hasNext(); i++) {
            final Map.Entry<CharSequence, CharSequence> field = it.next();
            final int nameEnd = writing.writerIndex() + field.getKey().length();
            fieldEnds[i * 2] = sentUpstream.test(field.getKey()) ? nameEnd : ~nameEnd;
            FieldLines.write(writing, field.getKey(), field.getValue());
            fieldEnds[i * 2 + 1] = writing.writerIndex();
        }
        writing.release();
        lines = new AsciiString(bytes, false);
        ends = fieldEnds;
        map = null;
        sentUpstream = null;
    }

    /** Writes the fields sent upstream into {@code head}, in order, each unless the provider sets one of its name. */
    public void writeSent(RequestHead head) {
        if (map != null) {
            final Iterator<Map.Entry<CharSequence, CharSequence>> fields = map.iteratorCharSequence();
            while (fields.hasNext()) {
                final Map.Entry<CharSequence, CharSequence> field = fields.next();
                if (sentUpstream.test(field.getKey())) {
                    head.header(field.getKey(), field.getValue());
                }
            }
            return;
        }
        final int count = ends.length / 2;
        for (int i = 0; i < count; i++) {
            if (ends[i * 2] >= 0) {
                head.line(lines, start(i), ends[i * 2], ends[i * 2 + 1]);
            }
        }
    }

    /** Whether the client sent a field named {@code name}, in any case. */
    boolean contains(CharSequence name) {
        return map != null ? map.contains(name) : indexOf(name) >= 0;
    }

    /** The value of the first field named {@code name}, in any case; null if there is none. */
    String get(CharSequence name) {
        if (map != null) {
            return map.get(name);
        }
        final int i = indexOf(name);
        // After the name, its colon and a space; before the line's CR LF.
        return i < 0 ? null : lines.toString(nameEnd(i) + 2, ends[i * 2 + 1] - 2);
    }

    private int indexOf(CharSequence name) {
        final int count = ends.length / 2;
        for (int i = 0; i < count; i++) {
            final int start = start(i);
            if (nameEnd(i) - start == name.length() && lines.regionMatches(true, start, name, 0, name.length())) {
                return i;
            }
        }
        return -1;
    }

    private int start(int i) {
        return i == 0 ? 0 : ends[i * 2 - 1];
    }

    private int nameEnd(int i) {
        final int end = ends[i * 2];
        return end >= 0 ? end : ~end;
    }
}
