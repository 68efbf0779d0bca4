package io.sluice.gateway.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads an HTTP/1.1 response with a chunked body straight off a socket, exposing the decoded body as a stream.
 * Nothing is read ahead beyond a small buffer, so a slow reader here is a slow reader on the wire.
 */
public final class ChunkedReader extends InputStream {
    private final InputStream in;
    private final String head;
    private int chunkLeft;
    private boolean ended;

    public ChunkedReader(InputStream socketInput) throws IOException {
        this.in = new BufferedInputStream(socketInput, 8192);
        this.head = readHead();
    }

    /** The status line and headers. */
    public String head() {
        return head;
    }

    @Override
    public int read() throws IOException {
        final byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (ended) {
            return -1;
        }
        if (chunkLeft == 0) {
            chunkLeft = Integer.parseInt(line().split(";")[0].strip(), 16);
            if (chunkLeft == 0) {
                ended = true;
                line();
                return -1;
            }
        }
        final int n = in.read(buffer, offset, Math.min(length, chunkLeft));
        if (n < 0) {
            throw new EOFException("the body ended inside a chunk");
        }
        chunkLeft -= n;
        if (chunkLeft == 0) {
            line();
        }
        return n;
    }

    private String readHead() throws IOException {
        final StringBuilder out = new StringBuilder();
        String line;
        while (!(line = line()).isEmpty()) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private String line() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("the connection closed mid-line");
            }
            if (b != '\r') {
                out.write(b);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
