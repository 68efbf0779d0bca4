package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.testing.WsClient;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend's error response reaches the client rendered in the caller's dialect: the backend's status, message,
 * type, code and param, bounded, with the provider's key masked, and none of the backend's other headers.
 */
class UpstreamErrorsTest {
    private static final String KEY = "sk-provider-SECRET-1234";
    private static final String BODY = "{\"model\":\"m\"}";

    private static ScriptedBackend backend;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.forBackend(backend.url(), "    api_key: " + KEY + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    @BeforeEach
    void forget() {
        backend.reset();
    }

    @Test
    void aBackendThatEchoesItsRequestNeverShowsTheProviderKey() throws Exception {
        final String echo = "{\"error\":{\"message\":\"Incorrect API key provided: Bearer " + KEY + "\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";
        backend.enqueue(Script.builder().fixedHead(401, echo.length(), "content-type", "application/json",
                "set-cookie", "a=b").body(echo).end().build());
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), BODY);
        assertEquals(401, response.statusCode());
        assertEquals("{\"error\":{\"message\":\"Incorrect API key provided: Bearer [redacted]\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}",
                Http.text(response));
        assertFalse(response.headers().firstValue("set-cookie").isPresent());
    }

    @Test
    void aBodyWithNoErrorInItNamesTheStatus() throws Exception {
        backend.respondAlways(Script.builder().fixedHead(502, 30, "content-type", "text/html")
                .body("<html>502 Bad Gateway</html>\r\n").end().build());
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), BODY);
        assertEquals(502, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"error\":{\"message\":\"The backend answered with status 502.\",\"type\":\"upstream_error\","
                + "\"param\":null,\"code\":null}}", Http.text(response));
    }

    @Test
    void aHugeMessageIsBoundedAndAChunkedErrorIsRenderedWhole() throws Exception {
        final String huge = "{\"error\":\"" + "x".repeat(200_000) + "\",\"error_type\":\"validation\"}";
        backend.enqueue(Script.builder().head(422, "content-type", "application/json").body(huge, 8192,
                Duration.ZERO).end().build());
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), BODY);
        assertEquals(422, response.statusCode());
        // Past 64 KiB the body is not read: the status stands in for the message.
        assertEquals("{\"error\":{\"message\":\"The backend answered with status 422.\",\"type\":\"upstream_error\","
                + "\"param\":null,\"code\":null}}", Http.text(response));

        final String long1 = "{\"error\":\"" + "y".repeat(5000) + "\",\"error_type\":\"validation\"}";
        backend.enqueue(Script.json(422, long1));
        final String text = Http.text(Http.post(gateway.uri("/v1/chat/completions"), BODY));
        assertTrue(text.startsWith("{\"error\":{\"message\":\"" + "y".repeat(1000) + "…\",\"type\":\"validation\""),
                text);
    }

    @Test
    void theWebSocketFrontMasksTheKeyToo() throws Exception {
        final String echo = "{\"error\":{\"message\":\"bad key " + KEY + "\"}}";
        backend.enqueue(Script.json(401, echo));
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                    .setModel("m").setUserPrompt("hi")).build());
            WebSocketMessage message = client.next();
            while (!message.hasError() && !message.hasResponse()) {
                message = client.next();
            }
            final String json = WsClient.json(message);
            assertTrue(json.contains("bad key [redacted]"), json);
            assertFalse(json.contains(KEY), json);
        }
    }
}
