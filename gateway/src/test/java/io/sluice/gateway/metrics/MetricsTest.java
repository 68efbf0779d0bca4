package io.sluice.gateway.metrics;

import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.PrometheusText;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.testing.WsClient;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET /metrics in the Prometheus text format, with the names of DESIGN.md §3. */
class MetricsTest {

    @Test
    void requestsTokensAndTimingsAreExported() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 100),
                    Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")),
                    Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
            // Every attempt of the last request meets the 429 (the route tries twice), so it is the answer.
            backend.respondAlways(Script.json(429, WireSamples.bytes("openai_error_429_rate_limit.json")));
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\",\"stream\":true}");
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"fast\"}");
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"fast\"}");
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}");
            for (int i = 0; i < 4; i++) {
                gateway.usage().take();
            }
            // A scrape reads one meter after another while the usage thread records, so wait for all of them.
            final String metrics = awaitMetrics(gateway,
                    "llm_proxy_requests_total{endpoint=\"/v1/chat/completions\",model=\"m\",provider=\"mock\","
                            + "status=\"429\"} 1.0",
                    "llm_proxy_requests_total{endpoint=\"/v1/chat/completions\",model=\"m\",provider=\"mock\","
                            + "status=\"200\"} 1.0",
                    "llm_proxy_requests_total{endpoint=\"/v1/chat/completions\",model=\"fast\",provider=\"mock\","
                            + "status=\"200\"} 2.0",
                    "llm_proxy_tokens_total{model=\"m\",provider=\"mock\",type=\"completion\"} 100.0",
                    "llm_proxy_tokens_total{model=\"m\",provider=\"mock\",type=\"reasoning\"} 100.0",
                    "llm_proxy_tokens_total{model=\"fast\",provider=\"mock\",type=\"prompt\"} 418.0",
                    "llm_proxy_ttft_seconds_count{model=\"m\",provider=\"mock\"} 1");
            assertTrue(metrics.contains("llm_proxy_tokens_total{model=\"fast\",provider=\"mock\",type=\"cached\"} 0.0"),
                    "a series' token counters start at zero: " + metrics);
            assertFalse(metrics.contains("llm_proxy_ttft_seconds_count{model=\"fast\""),
                    "no time to first token for a model that had no stream: " + metrics);
            assertTrue(metrics.contains("llm_proxy_request_duration_seconds_bucket{endpoint=\"/v1/chat/completions\","),
                    metrics);
            assertTrue(metrics.contains("llm_proxy_active_requests 0.0"), metrics);
        }
    }

    @Test
    void aScrapeParsesAndItsStreamSeriesMoveWithEachStream() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            final String ttft = "llm_proxy_ttft_seconds";
            final String series = "{model=\"m\",provider=\"mock\"";
            PrometheusText before = PrometheusText.parse(Http.get(gateway.uri("/metrics")).body());
            for (int stream = 1; stream <= 2; stream++) {
                // A model server's pace: its first token a few milliseconds after the head, the rest a piece at a
                // time. Sluice times a stream by its event loop's turns, and a backend as fast as the loop could
                // answer within the turn that sent it the request.
                backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                        .pause(Duration.ofMillis(5))
                        .body(WireSamples.bytes("openai_chat_stream_usage.txt"), 100, Duration.ofMillis(1))
                        .end().build());
                Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\",\"stream\":true}");
                gateway.usage().take();
                final double streams = before.value(ttft + "_count" + series + "}") + 1;
                final PrometheusText after = awaitScrape(gateway,
                        scrape -> scrape.value(ttft + "_count" + series + "}") == streams);
                assertEquals(before.value(ttft + "_bucket" + series + ",le=\"+Inf\"}") + 1,
                        after.value(ttft + "_bucket" + series + ",le=\"+Inf\"}"), "the +Inf bucket counts the stream");
                assertTrue(after.value(ttft + "_sum" + series + "}") > before.value(ttft + "_sum" + series + "}"),
                        "the stream's time to first token is added to the sum");
                assertEquals(before.value("llm_proxy_tokens_total" + series + ",type=\"completion\"}") + 100,
                        after.value("llm_proxy_tokens_total" + series + ",type=\"completion\"}"));
                assertEquals(before.value("llm_proxy_tokens_total" + series + ",type=\"prompt\"}") + 12,
                        after.value("llm_proxy_tokens_total" + series + ",type=\"prompt\"}"));
                assertEquals(before.value("llm_proxy_tokens_per_second_count" + series + "}") + 1,
                        after.value("llm_proxy_tokens_per_second_count" + series + "}"));
                assertEquals(stream, after.value("llm_proxy_requests_total{endpoint=\"/v1/chat/completions\","
                        + "model=\"m\",provider=\"mock\",status=\"200\"}"));
                before = after;
            }
        }
    }

    @Test
    void histogramBucketsSpanLlmLatencies() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            // Pieces a few milliseconds apart: a stream read whole in one loop turn has no rate after its first token.
            backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                    .body(WireSamples.bytes("openai_chat_stream_usage.txt"), 100, Duration.ofMillis(2)).end().build());
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\",\"stream\":true}");
            gateway.usage().take();
            final String metrics = awaitMetrics(gateway, "llm_proxy_ttft_seconds_count{model=\"m\",provider=\"mock\"} 1");
            for (String le : new String[] {"0.01", "0.025", "1.0", "60.0", "+Inf"}) {
                assertTrue(metrics.contains("llm_proxy_ttft_seconds_bucket{model=\"m\",provider=\"mock\",le=\"" + le
                        + "\"} "), "TTFT bucket " + le + ": " + metrics);
            }
            assertTrue(metrics.contains("llm_proxy_request_duration_seconds_bucket{endpoint=\"/v1/chat/completions\","
                    + "model=\"m\",provider=\"mock\",le=\"1800.0\"} 1"), metrics);
            assertTrue(metrics.contains("llm_proxy_tokens_per_second_bucket{model=\"m\",provider=\"mock\",le=\"1000.0\"}"),
                    metrics);
        }
    }

    @Test
    void requestsRefusedBeforeRoutingAreCounted() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            assertEquals(404, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"nope\"}").statusCode());
            assertEquals(400, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":").statusCode());
            assertEquals(400, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":").statusCode());
            assertEquals(404, Http.get(gateway.uri("/no/such/path/" + System.nanoTime())).statusCode());
            assertEquals(404, Http.get(gateway.uri("/v1/models/nope")).statusCode());
            for (int i = 0; i < 2; i++) {
                assertEquals(405, Http.post(gateway.uri("/v1/models/any-" + i), "{}").statusCode());
            }
            awaitMetrics(gateway,
                    "llm_proxy_rejected_requests_total{endpoint=\"/v1/chat/completions\",status=\"404\"} 1.0",
                    "llm_proxy_rejected_requests_total{endpoint=\"/v1/chat/completions\",status=\"400\"} 2.0",
                    "llm_proxy_rejected_requests_total{endpoint=\"other\",status=\"404\"} 1.0",
                    "llm_proxy_rejected_requests_total{endpoint=\"/v1/models/{id}\",status=\"404\"} 1.0",
                    "llm_proxy_rejected_requests_total{endpoint=\"/v1/models/{id}\",status=\"405\"} 2.0");
            assertEquals(0, backend.requestCount(), "none of them reached the backend");
        }
    }

    @Test
    void webSocketRequestsRefusedBeforeRoutingAreCountedAsTheHttpOnesAre() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "");
             WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("n")
                    .setModel("nope").setUserPrompt("Hi")).build());
            assertEquals("NOT_FOUND", client.next().getAck().getErrorCode());
            for (String id : new String[] {"a", "b"}) {
                client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId(id)
                        .setUserPrompt("Hi")).build());
                assertEquals("INVALID_REQUEST", client.next().getAck().getErrorCode());
            }
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setModel("m")
                    .setUserPrompt("Hi")).build());
            assertEquals("request_id is required", client.next().getAck().getErrorMessage());
            client.sendText("{\"request\":");
            assertEquals("INVALID_REQUEST", client.next().getError().getCode());
            awaitMetrics(gateway, "llm_proxy_rejected_requests_total{endpoint=\"/ws\",status=\"404\"} 1.0",
                    "llm_proxy_rejected_requests_total{endpoint=\"/ws\",status=\"400\"} 4.0");
            assertEquals(0, backend.requestCount(), "none of them reached the backend");
        }
    }

    @Test
    void jvmAndNettyMemoryAreExported() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            final String metrics = awaitMetrics(gateway, "jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads",
                    "netty_allocator_memory_used{", "process_cpu_usage");
            assertTrue(metrics.contains("memory_type=\"direct\""), "Netty's direct memory: " + metrics);
        }
    }

    /**
     * Main turns off the allocator's count of the bytes its buffers hold (its cost is in bench/RESULTS.md): the gauge
     * of that count is then left out rather than exported as 0. Netty reads the setting once, so the test varies only
     * what the metrics see.
     */
    @Test
    void pinnedMemoryIsExportedOnlyWhereTheAllocatorCountsIt() throws Exception {
        assertTrue(scrapeWithTracking(null).contains("netty_allocator_memory_pinned"), "counted by default");
        final String untracked = scrapeWithTracking("false");
        assertFalse(untracked.contains("netty_allocator_memory_pinned"), untracked);
        assertTrue(untracked.contains("netty_allocator_memory_used{"), untracked);
    }

    private static String scrapeWithTracking(String trackPinnedMemory) throws Exception {
        final String property = GatewayMetrics.NETTY_TRACKS_PINNED_MEMORY;
        final String before = System.getProperty(property);
        if (trackPinnedMemory == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, trackPinnedMemory);
        }
        try (GatewayMetrics metrics = new GatewayMetrics(() -> 0, PooledByteBufAllocator.DEFAULT)) {
            return metrics.scrape().get();
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    @Test
    void requestsInFlightAreCounted() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = TestGateway.forBackend(backend.url(), "")) {
            backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                    .endless("data: {}\n\n", Duration.ofMillis(50)).build());
            Http.client().sendAsync(Http.postRequest(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}"),
                    HttpResponse.BodyHandlers.discarding());
            backend.takeRequest();
            awaitMetrics(gateway, "llm_proxy_active_requests 1.0");
        }
    }

    private static String awaitMetrics(TestGateway gateway, String... lines) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline && !containsAll(metrics, lines)) {
            final HttpResponse<String> response = Http.get(gateway.uri("/metrics"));
            assertEquals(200, response.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8",
                    response.headers().firstValue("content-type").orElseThrow());
            metrics = response.body();
        }
        for (String line : lines) {
            assertTrue(metrics.contains(line), line + " is missing from\n" + metrics);
        }
        return metrics;
    }

    /** Scrapes until {@code done} holds of the parsed exposition (the usage thread records while a scrape reads). */
    private static PrometheusText awaitScrape(TestGateway gateway, Predicate<PrometheusText> done) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        PrometheusText scrape;
        do {
            scrape = PrometheusText.parse(Http.get(gateway.uri("/metrics")).body());
        } while (!done.test(scrape) && System.nanoTime() < deadline);
        assertTrue(done.test(scrape), "the scrape never showed the stream");
        return scrape;
    }

    private static boolean containsAll(String metrics, String[] lines) {
        for (String line : lines) {
            if (!metrics.contains(line)) {
                return false;
            }
        }
        return true;
    }
}
