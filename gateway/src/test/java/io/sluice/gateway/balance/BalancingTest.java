package io.sluice.gateway.balance;

import io.sluice.gateway.testing.Await;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The balancing strategies seen from real clients and backends, over every HTTP protocol. */
class BalancingTest {
    private static ScriptedBackend first;
    private static ScriptedBackend second;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        first = ScriptedBackend.start();
        second = ScriptedBackend.start();
        gateways = ProtocolGateways.forConfig(config(""), config(TestCertificates.serverTlsYaml()));
    }

    private static String config(String serverExtra) {
        final String endpoints = "[ \"" + first.url() + "\", \"" + second.url() + "\" ]";
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                %s
                usage: { log: false }
                providers:
                  - { id: weighted, type: vllm, endpoints: %s, models: { w: w },
                      balance: { strategy: weighted, weights: [ 3, 1 ] } }
                  - { id: loaded, type: vllm, endpoints: %s, models: { l: l },
                      balance: { strategy: least_loaded, metrics: { enabled: false } } }
                  - { id: queued, type: vllm, endpoints: %s, models: { q: q },
                      balance: { strategy: least_loaded, metrics: { interval: 100ms, timeout: 100ms } } }
                  - { id: affinity, type: vllm, endpoints: %s, models: { p: p },
                      balance: { strategy: prefix_affinity, session_header: x-session-id } }
                """.formatted(serverExtra, endpoints, endpoints, endpoints, endpoints);
    }

    @BeforeEach
    void forgetEarlierTests() {
        first.reset();
        second.reset();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        first.close();
        second.close();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void weightsOfThreeToOneSplitFourThousandRequestsSo(Protocol protocol) throws Exception {
        for (int i = 0; i < 4000; i++) {
            assertEquals(200, Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                    "{\"model\":\"w\"}").statusCode());
        }
        final double share = first.requestCount() / 4000.0;
        assertTrue(Math.abs(share - 0.75) <= 0.75 * 0.05, "first endpoint's share " + share);
        assertEquals(4000, first.requestCount() + second.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void leastLoadedSteersAwayFromASlowEndpoint(Protocol protocol) throws Exception {
        // The client's connection is made first: requests that queue behind its handshake would arrive as one
        // burst, which splits evenly while nothing is in flight yet.
        assertEquals(200, Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), "{\"model\":\"l\"}")
                .statusCode());
        first.reset();
        second.reset();
        first.respondAlways(Script.builder().pause(Duration.ofMillis(500)).fixedHead(200, 2, "content-type",
                "application/json").body("{}").end().build());
        final List<CompletableFuture<HttpResponse<Void>>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            final HttpRequest request = HttpRequest.newBuilder(gateways.uri(protocol, "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"l\"}")).build();
            answers.add(protocol.client().sendAsync(request, HttpResponse.BodyHandlers.discarding()));
            Thread.sleep(5);
        }
        for (CompletableFuture<HttpResponse<Void>> answer : answers) {
            assertEquals(200, answer.get().statusCode());
        }
        // Round-robin would send the slow endpoint 50; with the slow one holding requests in flight it gets few.
        assertTrue(first.requestCount() < 30, first.requestCount() + " of 100 went to the slow endpoint");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void leastLoadedSteersAwayFromAnEndpointWhoseOwnMetricsShowAQueue(Protocol protocol) throws Exception {
        first.answerMetrics(vllmLoad(3, 12));
        second.answerMetrics(vllmLoad(3, 0));
        awaitScrapes();
        assertEquals(0, sendSequentially(protocol, 40), "nothing in flight here, but twelve in the first's queue");

        first.answerMetrics(vllmLoad(1, 0));
        second.answerMetrics(vllmLoad(6, 4));
        awaitScrapes();
        assertEquals(40, sendSequentially(protocol, 40), "the next scrape turned the choice around");
        final String detailed = Http.get(protocol, gateways.uri(protocol, "/health/detailed")).body();
        assertTrue(detailed.contains("\"server_load\":{\"running\":6,\"waiting\":4,\"kv_cache_usage\":0.0,"
                + "\"age_ms\":"), "the reading is shown: " + detailed);
        assertTrue(first.scrapeCount() > 0 && second.scrapeCount() > 0);
    }

    /** A vLLM V1 exposition's queue series, in the form of the recorded one. */
    private static String vllmLoad(int running, int waiting) {
        return "# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running{engine=\"0\",model_name=\"q\"} " + running + ".0\n"
                + "# TYPE vllm:num_requests_waiting gauge\n"
                + "vllm:num_requests_waiting{engine=\"0\",model_name=\"q\"} " + waiting + ".0\n";
    }

    /** Waits until each endpoint has been scraped twice more, so that one scrape began after the new answer. */
    private static void awaitScrapes() throws InterruptedException {
        final int firstSeen = first.scrapeCount();
        final int secondSeen = second.scrapeCount();
        // A scrape is counted when its request arrives, before the gateway has read the answer: the third one's
        // request means the second one's answer, which is surely of the new metrics, was read.
        Await.until("the endpoints were scraped three times more",
                () -> first.scrapeCount() >= firstSeen + 3 && second.scrapeCount() >= secondSeen + 3);
    }

    /** Sends {@code count} requests one after the other; returns how many the first endpoint got. */
    private static int sendSequentially(Protocol protocol, int count) throws Exception {
        final int before = first.requestCount();
        final int total = before + second.requestCount();
        for (int i = 0; i < count; i++) {
            assertEquals(200, Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                    "{\"model\":\"q\"}").statusCode());
        }
        assertEquals(total + count, first.requestCount() + second.requestCount());
        return first.requestCount() - before;
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aSessionStaysOnOneEndpointAndSessionsSpread(Protocol protocol) throws Exception {
        int onFirst = 0;
        for (int session = 0; session < 40; session++) {
            final int before = first.requestCount();
            for (int turn = 0; turn < 5; turn++) {
                Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                        "{\"model\":\"p\",\"messages\":[{\"role\":\"user\",\"content\":\"turn " + turn + "\"}]}",
                        "x-session-id", "conversation-" + session);
            }
            final int here = first.requestCount() - before;
            assertTrue(here == 0 || here == 5, "session " + session + " split: " + here + " of 5 on one endpoint");
            onFirst += here / 5;
        }
        assertTrue(onFirst > 5 && onFirst < 35, onFirst + " of 40 sessions on the first endpoint");
    }
}
