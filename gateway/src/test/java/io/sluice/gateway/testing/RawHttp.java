package io.sluice.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A plain socket speaking HTTP/1.1 by hand, for what a polite client will not do: two framings at once, a body
 * larger than it said, closing mid-stream.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;

    public RawHttp(int port) throws IOException {
        this(port, 0);
    }

    /** A connection whose receive buffer is {@code receiveBuffer} bytes (0 for the system's default). */
    public RawHttp(int port, int receiveBuffer) throws IOException {
        this.socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(15_000);
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

    /** Reads until {@code marker} has arrived {@code times} times, returning all read so far. */
    public String readUntil(String marker, int times) throws IOException {
        final byte[] wanted = marker.getBytes(StandardCharsets.UTF_8);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final InputStream in = socket.getInputStream();
        int seen = 0;
        int b;
        while (seen < times && (b = in.read()) >= 0) {
            out.write(b);
            if (endsWith(out, wanted)) {
                seen++;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean endsWith(ByteArrayOutputStream out, byte[] suffix) {
        if (out.size() < suffix.length) {
            return false;
        }
        final byte[] bytes = out.toByteArray();
        return Arrays.equals(bytes, bytes.length - suffix.length, bytes.length, suffix, 0, suffix.length);
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
