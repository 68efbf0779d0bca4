package io.sluice.gateway.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the scripted backend does with one request: a list of steps (send a head, send body pieces with pauses,
 * end, or fail in one of the ways real backends fail).
 */
public final class Script {
    sealed interface Step permits Head, Body, End, Close, Reset, Stall, Pause, AwaitRequests, Endless, Flood, Raw {
    }

    record Head(int status, List<String> headers, boolean chunked) implements Step {
    }

    record Body(byte[] bytes, int pieceSize, Duration gap) implements Step {
    }

    record End() implements Step {
    }

    record Close() implements Step {
    }

    record Reset() implements Step {
    }

    record Stall() implements Step {
    }

    record Pause(Duration duration) implements Step {
    }

    record AwaitRequests(int count) implements Step {
    }

    record Endless(byte[] event, Duration gap) implements Step {
    }

    /** Numbered events of a fixed size; as OpenAI chat chunks when {@code chat}, else plain data lines. */
    record Flood(long totalBytes, int eventSize, boolean chat) implements Step {
    }

    record Raw(byte[] bytes) implements Step {
    }

    final List<Step> steps;

    private Script(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A 200 event stream of {@code body}, sent in pieces of {@code pieceSize} bytes. */
    public static Script sse(byte[] body, int pieceSize) {
        return builder().head(200, "content-type", "text/event-stream").body(body, pieceSize, Duration.ZERO).end()
                .build();
    }

    /** A 200 JSON body with a Content-Length. */
    public static Script json(int status, byte[] body) {
        return builder().fixedHead(status, body.length, "content-type", "application/json")
                .body(body, body.length, Duration.ZERO).end().build();
    }

    public static Script json(int status, String body) {
        return json(status, body.getBytes(StandardCharsets.UTF_8));
    }

    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();

        /** A chunked response head with header name/value pairs. */
        public Builder head(int status, String... headers) {
            steps.add(new Head(status, List.of(headers), true));
            return this;
        }

        /** A response head with a Content-Length. */
        public Builder fixedHead(int status, int contentLength, String... headers) {
            final List<String> all = new ArrayList<>(List.of(headers));
            all.add("content-length");
            all.add(Integer.toString(contentLength));
            steps.add(new Head(status, all, false));
            return this;
        }

        public Builder body(byte[] bytes, int pieceSize, Duration gap) {
            steps.add(new Body(bytes, Math.max(1, pieceSize), gap));
            return this;
        }

        public Builder body(String text, int pieceSize, Duration gap) {
            return body(text.getBytes(StandardCharsets.UTF_8), pieceSize, gap);
        }

        public Builder body(String text) {
            final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return body(bytes, bytes.length, Duration.ZERO);
        }

        public Builder end() {
            steps.add(new End());
            return this;
        }

        /** Closes the connection (FIN). */
        public Builder close() {
            steps.add(new Close());
            return this;
        }

        /** Resets the connection (RST). */
        public Builder reset() {
            steps.add(new Reset());
            return this;
        }

        /** Never goes on. */
        public Builder stall() {
            steps.add(new Stall());
            return this;
        }

        public Builder pause(Duration duration) {
            steps.add(new Pause(duration));
            return this;
        }

        /** Goes on only once the backend has received {@code count} requests in all (on any connection). */
        public Builder awaitRequests(int count) {
            steps.add(new AwaitRequests(count));
            return this;
        }

        /** Sends {@code event} every {@code gap} until the connection closes. */
        public Builder endless(String event, Duration gap) {
            steps.add(new Endless(event.getBytes(StandardCharsets.UTF_8), gap));
            return this;
        }

        /** Sends {@code totalBytes} of events of {@code eventSize} bytes as fast as the connection takes them. */
        public Builder flood(long totalBytes, int eventSize) {
            steps.add(new Flood(totalBytes, eventSize, false));
            return this;
        }

        /** As {@link #flood}, each event an OpenAI chat chunk whose content is the padded event number. */
        public Builder floodChat(long totalBytes, int eventSize) {
            steps.add(new Flood(totalBytes, eventSize, true));
            return this;
        }

        /** Bytes written straight to the socket, past the HTTP encoder. */
        public Builder raw(String bytes) {
            steps.add(new Raw(bytes.getBytes(StandardCharsets.ISO_8859_1)));
            return this;
        }

        public Script build() {
            return new Script(steps);
        }
    }
}
