package io.sluice.gateway.balance;

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
                      balance: { strategy: least_loaded } }
                  - { id: affinity, type: vllm, endpoints: %s, models: { p: p },
                      balance: { strategy: prefix_affinity, session_header: x-session-id } }
                """.formatted(serverExtra, endpoints, endpoints, endpoints);
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
        first.respondAlways(Script.builder().pause(Duration.ofMillis(200)).fixedHead(200, 2, "content-type",
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
