package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.FieldLines;

import java.util.List;
import java.util.Map;

/**
 * The head of a request Sluice sends to a backend, written as HTTP/1.1 bytes straight into one pooled buffer.
 *
 * <p>Below the seams of DESIGN.md §2b: the wire form of what an {@code Attempt}, or a probe's GET, sends on an
 * upstream connection. The upstream pipeline has no request encoder, only a response decoder, so a request head
 * costs this buffer and nothing else: no header map filled only to be encoded again, no encoder in the write path.
 *
 * <p>A provider's own headers (its key, its API version, those its config names) replace any header of the same
 * name, the client's and Sluice's alike: {@link #header} and {@link #line} leave such a name out, and {@link #end()}
 * writes the provider's, the last of each name when the config names one twice.
 *
 * <p>The request line's target is written as UTF-8, the fields as {@link FieldLines} writes them. Nothing is
 * validated here: a client's headers were validated as they arrived, and Sluice's own and a provider's come from its
 * code and its checked config.
 *
 * <p>Thread: the caller's. Buffer: the builder owns it until {@link #end()} hands it to the caller, who writes it
 * to the connection, or until {@link #discard()} releases it.
 */
public final class RequestHead {
    /** Enough for an SDK's request with Sluice's and a provider's headers, without growing. */
    private static final int FIRST_CAPACITY = 1024;
    private static final byte[] VERSION_LINE_END = {' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'};

    private final ByteBuf buf;
    private final List<Map.Entry<String, String>> providerHeaders;

    private RequestHead(ByteBuf buf, List<Map.Entry<String, String>> providerHeaders) {
        this.buf = buf;
        this.providerHeaders = providerHeaders;
    }

    /**
     * Starts a head with its request line.
     *
     * @param target          an origin-form path, with its query if any
     * @param providerHeaders the provider's headers, written last and replacing any other of the same name
     */
    public static RequestHead start(ByteBufAllocator alloc, HttpMethod method, CharSequence target,
                                    List<Map.Entry<String, String>> providerHeaders) {
        final ByteBuf buf = alloc.buffer(FIRST_CAPACITY);
        ByteBufUtil.writeAscii(buf, method.asciiName());
        buf.writeByte(' ');
        ByteBufUtil.writeUtf8(buf, target);
        buf.writeBytes(VERSION_LINE_END);
        return new RequestHead(buf, providerHeaders);
    }

    /** Adds one header line, unless the provider sets a header of that name. */
    public RequestHead header(CharSequence name, CharSequence value) {
        if (indexOfLastProviderHeader(name, 0, name.length()) < 0) {
            FieldLines.write(buf, name, value);
        }
        return this;
    }

    /**
     * Adds one header line already in its wire form, {@code lines[start, end)}: its name up to {@code nameEnd}, then a
     * colon, a space, its value and CR LF. Left out when the provider sets a header of that name.
     */
    public RequestHead line(AsciiString lines, int start, int nameEnd, int end) {
        if (indexOfLastProviderHeader(lines, start, nameEnd - start) < 0) {
            buf.writeBytes(lines.array(), lines.arrayOffset() + start, end - start);
        }
        return this;
    }

    /** Writes the provider's headers and the blank line that ends the head, and hands the buffer over. */
    public ByteBuf end() {
        for (int i = 0; i < providerHeaders.size(); i++) {
            final Map.Entry<String, String> header = providerHeaders.get(i);
            if (indexOfLastProviderHeader(header.getKey(), 0, header.getKey().length()) == i) {
                FieldLines.write(buf, header.getKey(), header.getValue());
            }
        }
        FieldLines.end(buf);
        return buf;
    }

    /** Releases the buffer of a head that will not be sent. */
    public void discard() {
        buf.release();
    }

    /** The index of the last provider header named {@code text[start, start + length)}, ignoring case, or -1. */
    private int indexOfLastProviderHeader(CharSequence text, int start, int length) {
        for (int i = providerHeaders.size() - 1; i >= 0; i--) {
            final String key = providerHeaders.get(i).getKey();
            if (key.length() == length && AsciiString.regionMatchesAscii(text, true, start, key, 0, length)) {
                return i;
            }
        }
        return -1;
    }
}
