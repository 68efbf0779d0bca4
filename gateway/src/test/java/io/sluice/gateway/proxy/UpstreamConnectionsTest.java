package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream side seen from the backend: a client that leaves closes its upstream connection at once; keep-alive
 * connections are reused, evicted when idle, never reused once broken; a request a backend has read is never sent
 * again.
 */
class UpstreamConnectionsTest {
    private static final String EVENT = "data: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n";
    private static final String DONE = "data: [DONE]\n\n";
    private static final String STREAM_BODY = "{\"model\":\"m\",\"stream\":true}";
    private static final String STREAM_REQUEST = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
            + "content-type: application/json\r\ncontent-length: " + STREAM_BODY.length() + "\r\n\r\n" + STREAM_BODY;

    private ScriptedBackend backend;
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.forBackend(backend.url(), "    pool: { idle_timeout: 30s }\n");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    @ParameterizedTest(name = "client {0}")
    @ValueSource(strings = {"closes", "resets"})
    void aClientThatLeavesMidStreamClosesTheUpstreamConnectionAtOnce(String how) throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .endless(EVENT, Duration.ofMillis(10)).build());
        final RawHttp client = new RawHttp(gateway.port());
        client.send(STREAM_REQUEST).readUntil(EVENT, 3);
        final long leftAt = System.nanoTime();
        if (how.equals("resets")) {
            client.reset();
        } else {
            client.close();
        }
        final Long closedAt = backend.awaitClose(Duration.ofSeconds(10));
        assertNotNull(closedAt, "the backend's connection was closed");
        System.out.printf("client %s -> backend saw its connection close after %.2f ms%n", how,
                (closedAt - leftAt) / 1e6);
        assertEquals(499, gateway.usage().take().status());

        backend.enqueue(Script.json(200, "{}"));
        assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        assertEquals(2, backend.connectionsOpened(), "the cancelled connection was not reused");
    }

    @Test
    void aClientThatLeavesBeforeTheFirstByteClosesTheUpstreamConnection() throws Exception {
        backend.enqueue(Script.builder().stall().build());
        final RawHttp client = new RawHttp(gateway.port());
        client.send(STREAM_REQUEST);
        backend.takeRequest();
        client.close();
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)));
        assertEquals(499, gateway.usage().take().status());
    }

    @Test
    void manyRequestsShareFewKeepAliveConnections() throws Exception {
        backend.respondAlways(Script.sse((EVENT + DONE).getBytes(StandardCharsets.UTF_8), 64));
        for (int i = 0; i < 200; i++) {
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"),
                    "{\"model\":\"m\",\"stream\":true}");
            assertEquals(EVENT + DONE, Http.text(response));
        }
        assertEquals(1, backend.connectionsOpened(), "one client connection, one event loop, one upstream connection");
        assertEquals(200, backend.requestCount());
    }

    @Test
    void aConnectionTheBackendMeansToCloseIsNotReused() throws Exception {
        backend.respondAlways(Script.builder().fixedHead(200, 2, "content-type", "application/json",
                "connection", "close").body("{}").end().close().build());
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        }
        assertEquals(3, backend.connectionsOpened());
    }

    @Test
    void idleConnectionsAreClosedBeforeTheBackendWould() throws Exception {
        gateway.close();
        gateway = TestGateway.forBackend(backend.url(), "    pool: { idle_timeout: 200ms }\n");
        assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)), "the gateway closed the idle connection");
        assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        assertEquals(2, backend.connectionsOpened());
    }

    @Test
    void anIdleConnectionTheBackendClosedIsNeverUsed() throws Exception {
        backend.enqueue(Script.builder().fixedHead(200, 2, "content-type", "application/json").body("{}").end()
                .pause(Duration.ofMillis(20)).close().build());
        assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)));
        assertEquals(200, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        assertEquals(2, backend.connectionsOpened());
        assertNull(backend.awaitClose(Duration.ofMillis(100)), "the second connection stays open for reuse");
    }

    @ParameterizedTest(name = "backend {0} after reading the request")
    @ValueSource(strings = {"closes", "resets"})
    void aRequestTheBackendReadOnAReusedConnectionIsNeverSentAgain(String how) throws Exception {
        // Trying again after a reset is the route's choice (it is by default); without it, a request that left on a
        // reused connection is never sent twice, as the backend may be running it.
        gateway.close();
        gateway = TestGateway.forBackend(backend.url(), "    pool: { idle_timeout: 30s }\n"
                + "routing: { retry: { retry_on: [ connect, timeout, 5xx, 429 ] } }\n");
        final Script.Builder silent = Script.builder().pause(Duration.ofMillis(300));
        backend.enqueue(Script.json(200, "{\"n\":1}"), how.equals("resets") ? silent.reset().build()
                : silent.close().build(), Script.json(200, "{\"n\":2}"));
        assertEquals("{\"n\":1}", Http.text(Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}")));
        final HttpResponse<byte[]> second = Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}");
        assertEquals(502, second.statusCode());
        assertTrue(Http.text(second).contains("\"code\":\"upstream_failed\""), Http.text(second));
        assertEquals(2, backend.requestCount(), "the request the backend had read was not sent again");
        assertEquals(1, backend.connectionsOpened());

        final HttpResponse<byte[]> third = Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}");
        assertEquals("{\"n\":2}", Http.text(third));
        assertEquals(2, backend.connectionsOpened());
    }
    @Test
    void bytesAfterAResponseNeverReachTheNextRequestOnTheConnection() throws Exception {
        // One loop and one connection: the second request waits for the first's connection, and would be handed
        // it the moment the first response ends, with the backend's extra bytes still unread behind that end.
        gateway.close();
        gateway = TestGateway.start(TestGateway.config(backend.url(), "    pool: { max_connections: 1 }\n", "")
                .replace("threads: 2", "threads: 1"));
        backend.enqueue(Script.builder().pause(Duration.ofMillis(400))
                .raw("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                        + "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n"
                        + "{\"evil\":true}").build(), Script.json(200, "{\"n\":2}"));
        final String request = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
                + "content-type: application/json\r\ncontent-length: 13\r\n\r\n{\"model\":\"m\"}";
        try (RawHttp first = new RawHttp(gateway.port()); RawHttp second = new RawHttp(gateway.port())) {
            first.send(request);
            backend.takeRequest();
            second.send(request);
            assertTrue(first.readToClose().endsWith("\r\n\r\n{}"));
            final String answer = second.readToClose();
            assertTrue(answer.endsWith("{\"n\":2}"), answer);
        }
        assertEquals(2, backend.connectionsOpened(), "the connection with bytes after its response was closed");
    }

    @Test
    void aMalformedResponseIsA502ThatSaysWhyAndItsConnectionIsClosed() throws Exception {
        backend.respondAlways(Script.builder().raw("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + "content-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").build());
        final HttpResponse<byte[]> answer = Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}");
        assertEquals(502, answer.statusCode());
        assertTrue(Http.text(answer).contains("The backend sent a malformed response: it gives both Content-Length"
                + " and Transfer-Encoding."), Http.text(answer));
        assertEquals(backend.requestCount(), backend.connectionsOpened(), "no connection carried a second request");
    }
}
