package io.sluice.gateway.server;

import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile HTTP/1.1 input, byte by byte on a raw socket: each case gets its status and a reason in the format of the
 * API its path names (OpenAI's on OpenAI paths) that quotes none of the request's bytes, nothing of it reaches the backend, and the connection ends up where it should
 * (closed when the framing can no longer be trusted, open and usable otherwise).
 */
class BadInputTest {
    private static final String BODY = "{\"model\":\"m\"}";
    private static final String GOOD = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json"
            + "\r\ncontent-length: " + BODY.length() + "\r\n\r\n" + BODY;

    private static ScriptedBackend backend;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start(TestGateway.config(backend.url(), "", "  max_request_bytes: 64KiB\n"
                + "  request_timeout: 1s\n  min_body_rate: 1KiB\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    @BeforeEach
    void forget() {
        backend.reset();
        backend.respondAlways(Script.json(200, "{\"ok\":true}"));
    }

    /** Sends {@code request} and reads until the gateway closes; fails if it keeps the connection open. */
    private static String refusedAndClosed(String request) throws IOException {
        try (RawHttp client = new RawHttp(gateway.port())) {
            return client.send(request).readToClose();
        }
    }

    private static void assertRefused(String response, int status, String reasonPart) {
        assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
        assertTrue(response.contains("connection: close\r\n"), response);
        assertTrue(response.contains(reasonPart), response);
        assertEquals(1, response.split("(^|\r\n)HTTP/1\\.1 \\d{3} ", -1).length - 1, "exactly one response: " + response);
        assertEquals(0, backend.requestCount(), "nothing reached the backend");
    }

    private static String chunked(String chunkLines) {
        return "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                + "transfer-encoding: chunked\r\n\r\n" + chunkLines;
    }

    @ParameterizedTest(name = "chunk line {0}")
    @ValueSource(strings = {"5zz", "0x", "extension", "bare LF"})
    void aMalformedChunkSizeIs400WithItsReasonAndTheConnectionCloses(String kind) throws Exception {
        final String body = switch (kind) {
            case "extension" -> "d;" + "e".repeat(20_000) + "\r\n" + BODY + "\r\n0\r\n\r\n";
            case "bare LF" -> "d\n" + BODY + "\r\n0\r\n\r\n";
            default -> kind + "\r\n" + BODY + "\r\n0\r\n\r\n";
        };
        // A second request follows on the same connection: it must not be read as part of the broken one, nor
        // hang; the connection closes after the one answer.
        final String response = refusedAndClosed(chunked(body) + GOOD);
        assertRefused(response, 400, kind.equals("5zz") || kind.equals("0x") ? "chunk size is not a valid hexadecimal"
                : "chunk-size line");
        assertFalse(response.contains("zz"), "the reason quotes no request bytes: " + response);
    }

    @Test
    void chunkDataNotEndingInCrlfIs400() throws Exception {
        assertRefused(refusedAndClosed(chunked("3\r\n" + BODY + "\r\n0\r\n\r\n")), 400, "not followed by CRLF");
    }

    @Test
    void anHttp11RequestWithoutHostIs400() throws Exception {
        assertRefused(refusedAndClosed("POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 13\r\n\r\n" + BODY),
                400, "no Host header");
    }

    @Test
    void aMalformedHeadIsRefusedInTheFormatOfTheApiItsPathNames() throws Exception {
        final String anthropic = refusedAndClosed("POST /v1/messages HTTP/1.1\r\ncontent-length: 13\r\n\r\n" + BODY);
        assertRefused(anthropic, 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\"");
        final String tooLarge = refusedAndClosed("POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-big: "
                + "a".repeat(20_000) + "\r\ncontent-length: 13\r\n\r\n" + BODY);
        assertRefused(tooLarge, 431, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\"");
        final String uniform = refusedAndClosed("POST /llm/chat HTTP/1.1\r\nhost: a\r\nhost: b\r\n"
                + "content-length: 13\r\n\r\n" + BODY);
        assertRefused(uniform, 400, "more than one Host");
        assertFalse(uniform.contains("\"param\""), "the uniform API's error, not OpenAI's: " + uniform);
    }

    @Test
    void twoHostHeadersAre400() throws Exception {
        assertRefused(refusedAndClosed("POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\nhost: b\r\n"
                + "content-length: 13\r\n\r\n" + BODY), 400, "more than one Host");
    }

    @Test
    void anHttp10RequestMayOmitHost() throws Exception {
        final String response = refusedAndClosed("POST /v1/chat/completions HTTP/1.0\r\ncontent-length: 13\r\n\r\n"
                + BODY);
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertEquals(1, backend.requestCount());
    }

    @Test
    void aHeadRequestGetsTheHeadOfTheGetAndTheNextRequestIsAnswered() throws Exception {
        for (String path : new String[] {"/health", "/v1/models", "/metrics"}) {
            try (RawHttp client = new RawHttp(gateway.port())) {
                final String answers = client.send("HEAD " + path + " HTTP/1.1\r\nhost: x\r\n\r\n"
                        + "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").readToClose();
                assertTrue(answers.startsWith("HTTP/1.1 200 OK\r\n"), answers);
                final int headEnd = answers.indexOf("\r\n\r\n") + 4;
                assertTrue(answers.startsWith("HTTP/1.1 200 OK\r\n", headEnd), "no body after the head of HEAD "
                        + path + ": " + answers);
                assertTrue(answers.substring(0, headEnd).matches("(?s).*content-length: [1-9][0-9]*\r\n.*"),
                        "the GET's length: " + answers);
            }
        }
        assertTrue(refusedAndClosed("HEAD /health HTTP/1.1\r\n\r\n").endsWith("\r\n\r\n"),
                "a refused HEAD (no Host) has no body either");
    }

    @Test
    void anAbsoluteFormTargetIsServedAsItsPath() throws Exception {
        final String response = refusedAndClosed("POST http://gateway/v1/chat/completions HTTP/1.1\r\nhost: gateway"
                + "\r\ncontent-length: 13\r\nconnection: close\r\n\r\n" + BODY);
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertEquals(1, backend.requestCount());
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(strings = {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9"})
    void aRequestLineWithAnotherVersionIs400(String version) throws Exception {
        assertRefused(refusedAndClosed("POST /v1/chat/completions " + version + "\r\nhost: x\r\ncontent-length: 13"
                + "\r\n\r\n" + BODY), 400, "must end in HTTP/1.1 or HTTP/1.0");
    }

    @Test
    void bothFramingsAre400() throws Exception {
        assertRefused(refusedAndClosed("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 17\r\n"
                + "transfer-encoding: chunked\r\n\r\nd\r\n" + BODY + "\r\n0\r\n\r\n" + GOOD), 400,
                "both Transfer-Encoding and Content-Length");
    }

    @Test
    void twoDifferentContentLengthsAre400() throws Exception {
        assertRefused(refusedAndClosed("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 13\r\n"
                + "content-length: 14\r\n\r\n" + BODY + GOOD), 400, "not valid HTTP/1.1");
    }

    @Test
    void anObsoleteLineFoldReachesTheBackendAsOneSpace() throws Exception {
        // RFC 9112 §5.2 lets a server replace obs-fold with SP instead of refusing it; no CR or LF may pass on.
        final String response = refusedAndClosed("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-a: b\r\n c\r\n"
                + "connection: close\r\ncontent-length: 13\r\n\r\n" + BODY);
        assertTrue(response.startsWith("HTTP/1.1 200 "), response);
        assertEquals("b c", backend.takeRequest().headers().get("x-a"));
    }

    @ParameterizedTest(name = "control character {0}")
    @ValueSource(ints = {0, 1, 0x7f})
    void aControlCharacterInAHeaderIs400AndIsNotEchoed(int control) throws Exception {
        final String response = refusedAndClosed("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
                + "authorization: Bearer sk-secret" + (char) control + "x\r\ncontent-length: 13\r\n\r\n" + BODY);
        assertRefused(response, 400, "not valid HTTP/1.1");
        assertFalse(response.contains("sk-secret"), response);
    }

    @Test
    void anOversizedRequestLineIs414() throws Exception {
        assertRefused(refusedAndClosed("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nhost: x\r\n\r\n"), 414,
                "request line is too long");
    }

    @Test
    void oversizedHeadersAre431() throws Exception {
        assertRefused(refusedAndClosed("GET /health HTTP/1.1\r\nhost: x\r\nx-big: " + "y".repeat(20_000)
                + "\r\n\r\n"), 431, "headers are too large");
    }

    @Test
    void aHeadTrickledByteByByteIs408WithinTheRequestTimeout() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n");
            final String response = trickle(client, "x-slow: " + "y".repeat(40), 100);
            assertRefused(response, 408, "did not arrive within 1s");
        }
    }

    @Test
    void aBodyTrickledSlowerThanTheMinimumRateIs408() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: 200\r\n\r\n");
            final String response = trickle(client, "{\"model\":\"m\",\"x\":\"" + "y".repeat(180), 100);
            assertRefused(response, 408, "more slowly than 1024 bytes per second");
            assertTrue(response.contains("\"code\":\"request_timeout\""), response);
        }
    }

    @Test
    void aBodyInSeveralQuickPiecesIsServed() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
                    + "content-length: 13\r\n\r\n{\"model\"");
            Thread.sleep(50);
            client.send(":\"m\"}");
            assertTrue(client.readToClose().startsWith("HTTP/1.1 200 "));
        }
    }

    /**
     * Sends {@code text} a byte every {@code gapMillis} until the gateway answers, then reads the answer to the close.
     */
    private static String trickle(RawHttp client, String text, long gapMillis) throws Exception {
        for (int i = 0; i < text.length() && client.input().available() == 0; i++) {
            try {
                client.send(text.substring(i, i + 1));
            } catch (IOException closed) {
                break;
            }
            Thread.sleep(gapMillis);
        }
        return client.readToClose();
    }

    @Test
    void aBodyOverTheLimitIs413WhileItStreams() throws Exception {
        final String piece = "{\"model\":\"m\",\"messages\":\"" + "x".repeat(30_000);
        final String chunk = Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n";
        assertRefused(refusedAndClosed(chunked(chunk + chunk + chunk)), 413, "larger than the limit");
    }

    /** One request and its answer (with a Content-Length) on an open connection. */
    private static String exchange(RawHttp client, String request) throws IOException {
        final String head = client.send(request).readUntil("\r\n\r\n", 1);
        final Matcher length = Pattern.compile("content-length: (\\d+)")
                .matcher(head);
        assertTrue(length.find(), head);
        final byte[] body = client.input().readNBytes(Integer.parseInt(length.group(1)));
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static String post(String json) {
        return "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
    }

    /** A JSON error is the request's fault, not the connection's: it stays open and serves the next request. */
    private static String refusedKeepingTheConnection(String json) throws IOException {
        try (RawHttp client = new RawHttp(gateway.port())) {
            final String response = exchange(client, post(json));
            assertTrue(exchange(client, GOOD).startsWith("HTTP/1.1 200 "), "the connection is still usable");
            assertEquals(1, backend.requestCount(), "only the good request reached the backend");
            return response;
        }
    }

    @ParameterizedTest(name = "stream = {0}")
    @ValueSource(strings = {"\"true\"", "1", "{}"})
    void aStreamFlagOfTheWrongTypeIs400NamingTheField(String value) throws Exception {
        final String response = refusedKeepingTheConnection("{\"model\":\"m\",\"stream\":" + value + "}");
        assertTrue(response.startsWith("HTTP/1.1 400 "), response);
        assertTrue(response.contains("\"message\":\"Invalid type for 'stream': expected a boolean"), response);
        assertTrue(response.endsWith("\"param\":\"stream\",\"code\":\"invalid_type\"}}"), response);
    }

    @Test
    void aHugeModelNameIsNotEchoedWhole() throws Exception {
        final String response = refusedKeepingTheConnection("{\"model\":\"" + "m".repeat(60_000) + "\"}");
        assertTrue(response.startsWith("HTTP/1.1 404 "), response);
        assertTrue(response.length() < 1000, "the error repeats at most a few hundred characters of the name");
        assertTrue(response.contains("m".repeat(256) + "…`"), response);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"deep", "duplicate", "utf8", "garbage"})
    void malformedJsonIs400InTheRequestsOwnTerms(String kind) throws Exception {
        final String json = switch (kind) {
            case "deep" -> "{\"model\":\"m\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
            case "duplicate" -> "{\"model\":\"m\",\"model\":\"other\"}";
            case "utf8" -> "{\"model\":\"m\",\"x\":\"\u00ff\"}";
            default -> "{\"model\":\"m\",\"x\":sk-live-abc}";
        };
        final String response = kind.equals("utf8") ? refusedWithRawBytes(json) : refusedKeepingTheConnection(json);
        assertTrue(response.startsWith("HTTP/1.1 400 "), response);
        assertFalse(response.contains("Source") || response.contains("jackson") || response.contains("sk-live"),
                response);
        assertTrue(response.contains(switch (kind) {
            case "deep" -> "nests deeper than 512 levels";
            case "duplicate" -> "'model' appears more than once";
            case "utf8" -> "not valid UTF-8";
            default -> "unexpected character at line 1, column";
        }), response);
    }

    /** As {@link #refusedKeepingTheConnection}, with the body sent as ISO-8859-1 bytes: invalid UTF-8 on the wire. */
    private static String refusedWithRawBytes(String json) throws IOException {
        try (RawHttp client = new RawHttp(gateway.port())) {
            final byte[] body = json.getBytes(StandardCharsets.ISO_8859_1);
            client.send(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            client.send(body);
            final String head = client.readUntil("\r\n\r\n", 1);
            return head + client.readUntil("}}", 1);
        }
    }

    @Test
    void plainHttpSentToTheTlsPortIsClosedAndNoneOfItsBytesAreLogged() throws Exception {
        try (TestGateway tls = TestGateway.start(TestGateway.config(backend.url(), "",
                TestCertificates.serverTlsYaml()));
             LogCapture log = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME);
             RawHttp client = new RawHttp(tls.port())) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-live-SECRET\r\n"
                    + "content-length: 13\r\n\r\n" + BODY);
            client.readToClose();
            // The socket may close before the failure is logged: give a log line a moment to appear.
            final long until = System.nanoTime() + 1_000_000_000L;
            while (log.allWithExceptions().isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            for (String line : log.allWithExceptions()) {
                assertFalse(line.contains("sk-live") || line.contains("504f5354") || line.contains("POST /v1"),
                        "a log line holds the request: " + line);
            }
        }
        assertEquals(0, backend.requestCount());
    }
}
