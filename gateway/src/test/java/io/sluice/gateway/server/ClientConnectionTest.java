package io.sluice.gateway.server;

import io.sluice.gateway.testing.ChunkedReader;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client side of HTTP/1.1 as old and odd clients use it: pipelining, 100-continue, HTTP/1.0, idle close. */
class ClientConnectionTest {
    private static final String EVENT = "data: {\"n\":1}\n\n";
    private static final String DONE = "data: [DONE]\n\n";

    private static ScriptedBackend backend;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start(TestGateway.config(backend.url(), "", "  idle_timeout: 300ms\n"));
    }

    @BeforeEach
    void forgetEarlierTests() {
        backend.reset();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    private static String post(String body, String extraHeaders) {
        return "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" + extraHeaders
                + "content-length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT + DONE, 100, Duration.ZERO).pause(Duration.ofMillis(100)).end().build(),
                Script.json(200, "{\"second\":true}"));
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send(post("{\"model\":\"m\",\"stream\":true}", "") + post("{\"model\":\"m\"}", "")
                    + "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            final String all = client.readToClose();
            final int first = all.indexOf(EVENT);
            final int second = all.indexOf("{\"second\":true}");
            final int third = all.indexOf("{\"status\":\"ok\"}");
            assertTrue(first > 0 && second > first && third > second, all);
        }
        assertEquals(2, backend.requestCount());
    }

    @Test
    void aClientWaitingFor100ContinueGetsIt() throws Exception {
        backend.enqueue(Script.json(200, "{}"));
        final String body = "{\"model\":\"m\"}";
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n"
                    + "content-length: " + body.length() + "\r\n\r\n");
            assertTrue(client.readUntil("\r\n\r\n", 1).startsWith("HTTP/1.1 100 Continue"));
            client.send(body);
            assertTrue(client.readUntil("{}", 1).startsWith("HTTP/1.1 200 OK"));
        }
    }

    @Test
    void anHttp10ClientGetsAStreamEndedByClose() throws Exception {
        backend.enqueue(Script.sse((EVENT + EVENT + DONE).getBytes(StandardCharsets.UTF_8), 7));
        final String body = "{\"model\":\"m\",\"stream\":true}";
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("POST /v1/chat/completions HTTP/1.0\r\ncontent-length: " + body.length() + "\r\n\r\n" + body);
            final String response = client.readToClose();
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
            assertTrue(!response.toLowerCase().contains("transfer-encoding"), response);
            assertTrue(response.endsWith("\r\n\r\n" + EVENT + EVENT + DONE), response);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
            final String response = client.readToClose();
            assertTrue(response.startsWith("HTTP/1.1 200 OK") && response.endsWith("{\"status\":\"ok\"}"), response);
        }
    }

    @Test
    void aClientThatStallsMidRequestIsClosed() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{\"model\"");
            assertEquals("", client.readToClose(), "closed without an answer after the idle timeout");
        }
        assertEquals(0, backend.requestCount());
    }

    /** The idle timer belongs to the connection's HTTP/1.1 life: the WebSocket it turned into keeps its own times. */
    @Test
    void aWebSocketOutlivesTheIdleTimeoutOfTheConnectionItWas() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            // Two keep-alive connections made after the socket, each closed by its own idle timer in turn: more than
            // two idle timeouts have passed since the socket's handshake, with nothing sent on it.
            for (int i = 0; i < 2; i++) {
                try (RawHttp idle = new RawHttp(gateway.port())) {
                    idle.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
                    assertTrue(idle.readToClose().startsWith("HTTP/1.1 200 OK"));
                }
            }
            assertTrue(client.isOpen(), "the socket is still open");
            client.sendText("not json at all");
            assertTrue(client.next().hasError(), "and still answers");
        }
    }

    @Test
    void aStreamIsNotCutByTheIdleTimeoutOfItsClientConnection() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT, 100, Duration.ZERO).pause(Duration.ofMillis(700)).body(EVENT + DONE).end().build());
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send(post("{\"model\":\"m\",\"stream\":true}", ""));
            final ChunkedReader response = new ChunkedReader(client.input());
            assertEquals(EVENT + EVENT + DONE, new String(response.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * The idle timer counts reads only, so it must restart when a response ends: a stream that outlasted the
     * timeout must not leave a keep-alive connection that closes the moment it goes quiet. The times are chosen
     * so that a timer check falls between the end of the stream (~550 ms) and the next request (~150 ms later).
     */
    @Test
    void idleTimeCountsFromTheEndOfTheLastResponse() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT, 100, Duration.ZERO).pause(Duration.ofMillis(550)).body(EVENT + DONE).end().build());
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send(post("{\"model\":\"m\",\"stream\":true}", ""));
            assertEquals(EVENT + EVENT + DONE, new String(new ChunkedReader(client.input()).readAllBytes(),
                    StandardCharsets.UTF_8));
            Thread.sleep(150); // a client thinking between requests, well within the 300 ms idle timeout
            client.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
            final String second = client.readToClose();
            assertTrue(second.startsWith("HTTP/1.1 200 OK") && second.endsWith("{\"status\":\"ok\"}"), second);
        }
    }
}
