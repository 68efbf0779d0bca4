package io.sluice.gateway.testing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.sluice.codec.json.Json;
import io.sluice.codec.proto.ProtoJson;
import io.sluice.proto.WebSocketMessage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The JDK's WebSocket client speaking Sluice's WebSocket API in either format: JSON in text frames, Protobuf in
 * binary frames. Received messages are queued in order; the JDK answers pings by itself.
 */
public final class WsClient implements AutoCloseable {
    /** How the server closed the socket. */
    public record Closed(int code, String reason) {
    }

    private final boolean protobuf;
    private final WebSocket socket;
    private final BlockingQueue<WebSocketMessage> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private volatile boolean reading = true;

    private WsClient(URI uri, boolean protobuf, String... headers) {
        this.protobuf = protobuf;
        final WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        this.socket = builder.buildAsync(uri, new Listener()).join();
    }

    /**
     * Opens {@code /ws} on a cleartext gateway in the given format ({@code json} or {@code protobuf}), with the
     * handshake headers given as name, value, name, value...
     */
    public static WsClient open(int port, String format, String... headers) {
        return new WsClient(URI.create("ws://127.0.0.1:" + port + "/ws?format=" + format),
                format.equals("protobuf"), headers);
    }

    public void send(WebSocketMessage message) {
        if (protobuf) {
            socket.sendBinary(ByteBuffer.wrap(message.toByteArray()), true).join();
        } else {
            socket.sendText(json(message), true).join();
        }
    }

    public void sendText(String text) {
        socket.sendText(text, true).join();
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** The next message, waiting up to 15 s. */
    public WebSocketMessage next() throws InterruptedException {
        final WebSocketMessage message = messages.poll(15, TimeUnit.SECONDS);
        assertNotNull(message, "a message arrived");
        return message;
    }

    public Closed awaitClose() throws Exception {
        return closed.get(15, TimeUnit.SECONDS);
    }

    /** Stops asking for messages: the JDK client then stops reading the socket. */
    public void stopReading() {
        reading = false;
    }

    public int pings() {
        return pings.get();
    }

    public boolean isOpen() {
        return !closed.isDone();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    public static String json(WebSocketMessage message) {
        final StringWriter out = new StringWriter();
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            ProtoJson.write(message, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                final WebSocketMessage.Builder builder = WebSocketMessage.newBuilder();
                try (JsonParser p = Json.FACTORY.createParser(text.toString())) {
                    ProtoJson.read(p, builder);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                messages.add(builder.build());
                text.setLength(0);
            }
            if (reading) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            final byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                try {
                    messages.add(WebSocketMessage.parseFrom(binary.toByteArray()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                binary.reset();
            }
            if (reading) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(new Closed(-1, error.toString()));
        }
    }
}
