package io.sluice.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * A plain socket speaking HTTP/1.1 by hand, for what a polite client will not do: two framings at once, a body
 * larger than it said, closing mid-stream.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;

    public RawHttp(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.socket.setSoTimeout(15_000);
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    public InputStream input() throws IOException {
        return socket.getInputStream();
    }

    /** Everything the server sends until it closes the connection. */
    public String readToClose() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] buffer = new byte[8192];
        final InputStream in = socket.getInputStream();
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (SocketException e) {
            // A reset after the response: what was read is what the test checks.
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Reads until {@code marker} has arrived, returning all read so far. */
    public String readUntil(String marker) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final InputStream in = socket.getInputStream();
        int b;
        while (!out.toString(StandardCharsets.UTF_8).contains(marker) && (b = in.read()) >= 0) {
            out.write(b);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Closes with a reset (SO_LINGER 0), as a killed client would. */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
