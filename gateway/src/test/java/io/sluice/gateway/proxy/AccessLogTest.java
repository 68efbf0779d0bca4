package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.usage.UsageJson;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One access line per request with what an operator needs, and never a key, a body or a forged line. */
class AccessLogTest {

    @Test
    void eachRequestGetsOneLineAndSecretsNeverReachALog() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "    api_key: sk-provider-SECRET\n");
             LogCapture access = new LogCapture("sluice.access");
             LogCapture everything = new LogCapture("ROOT")) {
            backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 200));
            final String body = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"the PRIVATE prompt\"}]}";
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions?api-key=sk-query-SECRET"),
                    body, "authorization", "Bearer sk-client-SECRET", "x-api-key", "sk-other-SECRET",
                    "x-request-id", "req-42");
            assertEquals(200, response.statusCode());

            final String line = access.next();
            assertTrue(line.matches("rid=req-42 trace=[0-9a-f]{32} method=POST path=/v1/chat/completions model=m "
                    + "provider=mock status=200 upstream_ms=\\d+\\.\\d ttft_ms=\\d+\\.\\d duration_ms=\\d+\\.\\d "
                    + "bytes_in=" + body.length() + " bytes_out=\\d+ tokens=12/100/112 usage=upstream tps=\\d+\\.\\d"),
                    line);

            final RecordedRequest upstream = backend.takeRequest();
            assertEquals("Bearer sk-provider-SECRET", upstream.headers().get("authorization"));
            assertFalse(upstream.headers().contains("x-api-key"), "the client's credentials stay at the gateway");
            assertEquals("/v1/chat/completions?api-key=sk-query-SECRET", upstream.uri());

            final String record = UsageJson.toJson(gateway.usage().take());
            assertFalse(record.contains("SECRET"), record);
            for (String message : everything.all()) {
                assertFalse(message.contains("SECRET"), message);
                assertFalse(message.contains("PRIVATE"), message);
            }
        }
    }

    @Test
    void clientChosenValuesCannotForgeALine() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "");
             LogCapture access = new LogCapture("sluice.access")) {
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"evil\\nrid=forged status=200\"}",
                    "x-request-id", "bad id rid=forged");
            final String line = access.next();
            assertFalse(line.contains("\n") || line.contains("\r"), line);
            assertTrue(line.matches("rid=[0-9a-f]{32} trace=[0-9a-f]{32} method=POST path=/v1/chat/completions "
                    + "model=evil_rid=forged_status=200 provider=- status=404 .*"), line);
        }
    }

    @Test
    void locallyAnsweredRequestsAreLoggedToo() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "");
             LogCapture access = new LogCapture("sluice.access")) {
            Http.get(gateway.uri("/health"));
            final String line = access.next();
            assertTrue(line.matches("rid=[0-9a-f]{32} trace=- method=GET path=/health model=- provider=- status=200 "
                    + "upstream_ms=- ttft_ms=- duration_ms=\\d+\\.\\d bytes_in=0 bytes_out=15 tokens=- usage=none tps=-"),
                    line);
            final String body = "{\"loggers\":{\"sluice.access\":\"info\"}}";
            assertEquals(200, send(gateway.uri("/admin/v1/logging"), "PUT", body).statusCode());
            final String admin = access.next();
            assertTrue(admin.contains(" path=/admin/v1/logging ") && admin.contains(" bytes_in=" + body.length() + " "),
                    admin);
        }
    }

    @Test
    void theClientsTraceGoesOnToTheBackendWithSluiceAsItsParent() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "");
             LogCapture access = new LogCapture("sluice.access")) {
            backend.enqueue(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")),
                    Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
            final String traceId = "0af7651916cd43dd8448eb211e4ab919";
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}",
                    "traceparent", "00-" + traceId + "-b7ad6b7169203331-01", "tracestate", "congo=t61rcWkgMzE");
            final RecordedRequest upstream = backend.takeRequest();
            final String sent = upstream.headers().get("traceparent");
            assertTrue(sent.matches("00-" + traceId + "-[0-9a-f]{16}-01"), sent);
            assertFalse(sent.contains("b7ad6b7169203331"), "Sluice's own span is the backend's parent: " + sent);
            assertEquals("congo=t61rcWkgMzE", upstream.headers().get("tracestate"));
            assertTrue(access.next().contains(" trace=" + traceId + " "));
            assertEquals(traceId, gateway.usage().take().traceId());

            // An invalid traceparent (an all-zero trace id) starts a new trace, and its tracestate goes nowhere.
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}",
                    "traceparent", "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                    "tracestate", "congo=t61rcWkgMzE");
            final RecordedRequest second = backend.takeRequest();
            final String started = second.headers().get("traceparent");
            assertTrue(started.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), started);
            assertFalse(started.startsWith("00-00000000"), started);
            assertFalse(second.headers().contains("tracestate"));
            final String record = UsageJson.toJson(gateway.usage().take());
            assertTrue(record.contains("\"trace_id\":\"" + started.substring(3, 35) + "\""), record);
            access.next();
        }
    }

    @Test
    void theAccessLineCanBeJsonAndTheLevelsChangeAtRunTime() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.start(TestGateway.config(backend.url(), "", "")
                     + "logging: { access_log: json, loggers: { io.sluice.gateway.balance: warn } }\n");
             LogCapture access = new LogCapture("sluice.access")) {
            backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 200));
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\",\"stream\":true}", "x-request-id", "r1");
            final String line = access.next();
            assertTrue(line.matches("\\{\"rid\":\"r1\",\"trace_id\":\"[0-9a-f]{32}\",\"method\":\"POST\","
                    + "\"path\":\"/v1/chat/completions\",\"model\":\"m\",\"provider\":\"mock\",\"status\":200,"
                    + "\"upstream_ms\":[0-9.]+,\"ttft_ms\":[0-9.]+,\"duration_ms\":[0-9.]+,\"bytes_in\":\\d+,"
                    + "\"bytes_out\":\\d+,\"prompt_tokens\":12,\"completion_tokens\":100,\"total_tokens\":112,"
                    + "\"usage_source\":\"upstream\",\"tokens_per_second\":[0-9.]+}"), line);

            final String admin = "/admin/v1/logging";
            assertTrue(Http.get(gateway.uri(admin)).body().contains(
                    "\"loggers\":{\"io.sluice.gateway.balance\":\"warn\"},\"access_log\":\"json\""));
            try {
                final HttpResponse<String> off = send(gateway.uri(admin), "PUT", "{\"loggers\":{\"sluice.access\":\"off\"}}");
                assertEquals(200, off.statusCode(), off.body());
                Http.get(gateway.uri("/health"));
                final String levels = Http.get(gateway.uri(admin)).body();
                assertEquals(400, send(gateway.uri(admin), "PUT", "{\"level\":\"loud\"}").statusCode());
                assertEquals(400, send(gateway.uri(admin), "PUT",
                        "{\"level\":\"error\",\"loggers\":{\"x\":\"loud\"}}").statusCode());
                assertEquals(levels, Http.get(gateway.uri(admin)).body(), "a refused change changes nothing");
            } finally {
                assertEquals(200, send(gateway.uri(admin), "PUT", "{\"loggers\":{\"sluice.access\":\"info\"}}")
                        .statusCode());
            }
            send(gateway.uri("/health"), "GET", null, "x-request-id", "after");
            // The admin requests have lines of their own; the /health request made while the log was off has none.
            String next;
            while (!(next = access.next()).contains("\"rid\":\"after\"")) {
                assertFalse(next.contains("\"path\":\"/health\""), next);
            }
        }
    }

    private static HttpResponse<String> send(URI uri, String method, String body, String... headers)
            throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return Http.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
