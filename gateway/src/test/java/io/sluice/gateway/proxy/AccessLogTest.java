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

import java.net.http.HttpResponse;

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
            assertTrue(line.matches("rid=req-42 method=POST path=/v1/chat/completions model=m provider=mock "
                    + "status=200 ttfb_ms=\\d+\\.\\d duration_ms=\\d+\\.\\d bytes_in=" + body.length()
                    + " bytes_out=\\d+ tokens=12/100/112"), line);

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
            assertTrue(line.matches("rid=[0-9a-f]{32} method=POST path=/v1/chat/completions "
                    + "model=evil_rid=forged_status=200 provider=- status=404 .*"), line);
        }
    }

    @Test
    void locallyAnsweredRequestsAreLoggedToo() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "");
             LogCapture access = new LogCapture("sluice.access")) {
            Http.get(gateway.uri("/health"));
            assertTrue(access.next().matches("rid=[0-9a-f]{32} method=GET path=/health model=- provider=- status=200 "
                    + "ttfb_ms=- duration_ms=\\d+\\.\\d bytes_in=0 bytes_out=15 tokens=-"));
        }
    }
}
