package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** 500 streams at once through one gateway: every one byte-exact, every one metered. */
class ConcurrentStreamsTest {
    private static final int STREAMS = 500;

    @Test
    void fiveHundredConcurrentStreamsArriveWholeAndAreAllMetered() throws Exception {
        final byte[] sample = WireSamples.bytes("openai_chat_stream_usage.txt");
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            // Every stream starts and then waits until all of them have reached the backend, so they overlap
            // however slowly the client opens its connections; pauses between pieces keep the relay interleaved.
            backend.respondAlways(Script.builder().head(200, "content-type", "text/event-stream")
                    .awaitRequests(STREAMS).body(sample, 120, Duration.ofMillis(20)).end().build());
            final List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                responses.add(Http.client().sendAsync(Http.postRequest(gateway.uri("/v1/chat/completions"),
                                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                                "x-request-id", "stream-" + i),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
                final HttpResponse<byte[]> done = response.get(60, TimeUnit.SECONDS);
                assertEquals(200, done.statusCode());
                assertArrayEquals(sample, done.body());
            }
            final Set<String> ids = new HashSet<>();
            for (int i = 0; i < STREAMS; i++) {
                final UsageRecord record = gateway.usage().take();
                assertEquals(112, record.totalTokens());
                ids.add(record.requestId());
            }
            assertEquals(STREAMS, ids.size(), "one usage record per stream");
            assertEquals(STREAMS, backend.requestCount());
            assertEquals(STREAMS, backend.connectionsOpened(), "all streams were open at once");
        }
    }
}
