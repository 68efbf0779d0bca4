package io.sluice.gateway.balance;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Health seen from outside. Passive: a primary that answers 503 for a while is ejected (every request then goes
 * to the healthy endpoint without trying it), shows as ejected in /health/detailed and /metrics, and is back in
 * rotation when its time is up; a 429 with Retry-After cools its endpoint for that long. Active: probes that fail
 * take an endpoint out before any request fails on it, and one that answers brings it back within an interval,
 * an ejected one too.
 */
class HealthTest {
    private static final String NO_PROBES = "probe: { enabled: false }";
    private static final String FAST_PROBES = "probe: { interval: 200ms, timeout: 1s, unhealthy_threshold: 2 }";

    private ScriptedBackend sick;
    private ScriptedBackend well;
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        sick = ScriptedBackend.start();
        well = ScriptedBackend.start();
        well.respondAlways(ok());
    }

    private void startGateway(Protocol protocol, String probe) throws InterruptedException {
        gateway = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                %s
                usage: { log: false }
                providers:
                  - id: pair
                    type: vllm
                    endpoints: [ "%s", "%s" ]
                    models: { m: m }
                    health: { consecutive_failures: 2, base_ejection: 3s, %s }
                """.formatted(protocol.tls() ? TestCertificates.serverTlsYaml() : "", sick.url(), well.url(), probe));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        sick.close();
        well.close();
    }

    private static Script ok() {
        return Script.json(200, "{\"choices\":[]}");
    }

    private int ask(Protocol protocol) throws Exception {
        return Http.post(protocol, uri(protocol, "/v1/chat/completions"), "{\"model\":\"m\"}").statusCode();
    }

    private java.net.URI uri(Protocol protocol, String path) {
        return gateway.uri(path);
    }

    private String get(Protocol protocol, String path) throws Exception {
        return Http.get(protocol, uri(protocol, path)).body();
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2"})
    void anEndpointThatEndsEveryStreamBeforeItsFinalEventIsEjected(Protocol protocol) throws Exception {
        startGateway(protocol, NO_PROBES);
        final String chunk = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},"
                + "\"finish_reason\":null}]}\n\n";
        sick.respondAlways(Script.builder().head(200, "content-type", "text/event-stream").body(chunk).end().build());
        well.respondAlways(Script.sse((chunk + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8), 100));
        for (int i = 0; i < 10; i++) {
            assertEquals(200, Http.post(protocol, uri(protocol, "/v1/chat/completions"),
                    "{\"model\":\"m\",\"stream\":true}").statusCode());
        }
        assertEquals(2, sick.requestCount(), "two streams cut short in a row ejected it, though each began well");
        assertEquals(10, well.requestCount(), "eight streams, and the continuations of the two cut short");
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2"})
    void aFailingEndpointIsEjectedShownAndBackWhenItsTimeIsUp(Protocol protocol) throws Exception {
        startGateway(protocol, NO_PROBES);
        sick.respondAlways(Script.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        for (int i = 0; i < 4; i++) {
            assertEquals(200, ask(protocol), "the retry reaches the well endpoint");
        }
        final int sickBefore = sick.requestCount();
        assertEquals(2, sickBefore, "two 503s in a row ejected it");
        for (int i = 0; i < 10; i++) {
            assertEquals(200, ask(protocol));
        }
        assertEquals(sickBefore, sick.requestCount(), "an ejected endpoint is not tried");

        final String detailed = get(protocol, "/health/detailed");
        assertTrue(detailed.startsWith("{\"status\":\"degraded\""), "an endpoint is out: " + detailed);
        assertTrue(detailed.contains("{\"url\":\"" + sick.url() + "/v1\",\"state\":\"ejected\",\"in_flight\":0,"
                + "\"failures_in_a_row\":0,\"ejections\":1,\"probe_latency_ms\":null,\"last_error\":\"status 503\","
                + "\"last_error_at\":\""), detailed);
        assertTrue(detailed.contains("{\"url\":\"" + well.url() + "/v1\",\"state\":\"up\""), detailed);
        final String metrics = get(protocol, "/metrics");
        assertTrue(metrics.contains("llm_proxy_provider_health{endpoint=\"" + sick.url() + "/v1\",provider=\"pair\"} 0.0"),
                metrics);
        assertTrue(metrics.contains("llm_proxy_provider_health{endpoint=\"" + well.url() + "/v1\",provider=\"pair\"} 1.0"),
                metrics);

        sick.respondAlways(ok());
        awaitState(protocol, sick, "up");
        for (int i = 0; i < 10; i++) {
            assertEquals(200, ask(protocol));
        }
        assertTrue(sick.requestCount() - sickBefore >= 4, "back in rotation: " + (sick.requestCount() - sickBefore));
        final String healthy = get(protocol, "/health/detailed");
        assertTrue(healthy.contains("\"url\":\"" + sick.url() + "/v1\",\"state\":\"up\""), healthy);
        assertTrue(healthy.startsWith("{\"status\":\"ok\""), healthy);
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2"})
    void aRetryAfterCoolsItsEndpointForThatLong(Protocol protocol) throws Exception {
        startGateway(protocol, NO_PROBES);
        sick.respondAlways(Script.builder().fixedHead(429, 2, "content-type", "application/json", "retry-after", "3")
                .body("{}").end().build());
        for (int i = 0; i < 4; i++) {
            assertEquals(200, ask(protocol));
        }
        assertEquals(1, sick.requestCount(), "one 429 sent it to rest");
        assertTrue(get(protocol, "/health/detailed").contains("\"url\":\"" + sick.url() + "/v1\",\"state\":\"cooling\""));
        sick.respondAlways(ok());
        awaitState(protocol, sick, "up");
        for (int i = 0; i < 6; i++) {
            assertEquals(200, ask(protocol));
        }
        assertTrue(sick.requestCount() >= 3, "rested, it is chosen again: " + sick.requestCount());
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2"})
    void failingProbesTakeAnEndpointOutAndAnAnswerBringsItBack(Protocol protocol) throws Exception {
        sick.answerProbes(Script.json(503, "{}"));
        startGateway(protocol, FAST_PROBES);
        awaitState(protocol, sick, "down");
        for (int i = 0; i < 6; i++) {
            assertEquals(200, ask(protocol));
        }
        assertEquals(0, sick.requestCount(), "no request met the endpoint the probes found down");
        assertTrue(get(protocol, "/health/detailed").contains("\"last_error\":\"The health probe got status 503.\""));

        sick.answerProbes(Script.json(200, "{}"));
        awaitState(protocol, sick, "up");
        final String series = "llm_proxy_provider_latency_seconds{endpoint=\"" + well.url() + "/v1\",provider=\"pair\"} ";
        final String metrics = get(protocol, "/metrics");
        final int at = metrics.indexOf(series);
        assertTrue(at >= 0, metrics);
        final double latency = Double.parseDouble(metrics.substring(at + series.length(),
                metrics.indexOf('\n', at)).strip());
        assertTrue(latency > 0 && latency < 1, "the last good probe's latency: " + latency);
        assertTrue(get(protocol, "/health/detailed").matches("(?s).*\"url\":\"" + well.url()
                + "/v1\",\"state\":\"up\".*?\"probe_latency_ms\":[0-9.]+,.*"));
        for (int i = 0; i < 6; i++) {
            assertEquals(200, ask(protocol));
        }
        assertTrue(sick.requestCount() >= 2, "back in rotation: " + sick.requestCount());
    }

    @ParameterizedTest
    @EnumSource(value = Protocol.class, names = {"HTTP_1_1", "H2"})
    void aProbeBringsAnEjectedEndpointBackBeforeItsTimeIsUp(Protocol protocol) throws Exception {
        startGateway(protocol, FAST_PROBES.replace("unhealthy_threshold: 2", "unhealthy_threshold: 100")
                .replace("interval: 200ms", "interval: 300ms"));
        sick.respondAlways(Script.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        for (int i = 0; i < 4; i++) {
            assertEquals(200, ask(protocol));
        }
        final long ejected = System.nanoTime();
        assertEquals(2, sick.requestCount(), "two 503s in a row ejected it");
        sick.respondAlways(ok());
        awaitState(protocol, sick, "up");
        final long millis = (System.nanoTime() - ejected) / 1_000_000;
        assertTrue(millis < 2_500, "back after " + millis + " ms: a probe, not the 3 s ejection, brought it back");
        assertTrue(sick.probeCount() > 0, "the probes ran");
    }

    /** Waits (up to 10 s) until /health/detailed shows {@code backend}'s endpoint in {@code state}. */
    private void awaitState(Protocol protocol, ScriptedBackend backend, String state) throws Exception {
        final String wanted = "\"url\":\"" + backend.url() + "/v1\",\"state\":\"" + state + "\"";
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String detailed = "";
        while (System.nanoTime() < deadline && !detailed.contains(wanted)) {
            Thread.sleep(50);
            detailed = get(protocol, "/health/detailed");
        }
        assertTrue(detailed.contains(wanted), wanted + " not in " + detailed);
    }
}
