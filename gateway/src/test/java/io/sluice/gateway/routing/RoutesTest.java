package io.sluice.gateway.routing;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.WsClient;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Routes as clients see them, on every front: a route's public name reaches its first target under the backend's
 * own model name, a configured prefix before the name is ignored, a request that names no model takes the default
 * model and max_tokens, and the model list names every public model once.
 */
class RoutesTest {
    private static ScriptedBackend primary;
    private static ScriptedBackend fallback;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        primary = ScriptedBackend.start();
        fallback = ScriptedBackend.start();
        gateways = ProtocolGateways.forConfig(config(""), config(TestCertificates.serverTlsYaml()));
    }

    private static String config(String serverExtra) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                %s
                usage: { log: false }
                routing:
                  model_prefix: team
                  default_model: llama
                  default_max_tokens: 256
                providers:
                  - id: farm
                    type: vllm
                    endpoints: [ "%s" ]
                    models: { small: small-1 }
                  - id: cloud
                    type: openai
                    endpoints: [ "%s" ]
                routes:
                  - model: llama
                    targets:
                      - { provider: farm, model: meta-llama/Llama-3.1-8B-Instruct }
                      - { provider: cloud, model: gpt-4o-mini }
                """.formatted(serverExtra, primary.url(), fallback.url());
    }

    @BeforeEach
    void forgetEarlierTests() {
        primary.reset();
        fallback.reset();
        gateways.clearUsage();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        primary.close();
        fallback.close();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRouteSendsItsModelToTheFirstTargetUnderTheBackendsName(Protocol protocol) throws Exception {
        for (String asked : new String[] {"llama", "team/llama"}) {
            primary.enqueue(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
            final HttpResponse<byte[]> response = Http.post(protocol,
                    gateways.uri(protocol, "/v1/chat/completions"), "{\"model\":\"" + asked + "\",\"max_tokens\":9}");
            assertEquals(200, response.statusCode());
            assertEquals("{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"max_tokens\":9}",
                    primary.takeRequest().bodyText());
            final UsageRecord record = gateways.usage(protocol).take();
            assertEquals("llama", record.model(), "the record names the public model");
            assertEquals("meta-llama/Llama-3.1-8B-Instruct", record.backendModel());
            assertEquals("farm", record.provider());
        }
        assertEquals(0, fallback.requestCount(), "the second target is for failures");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aPrefixedShortFormModelIsSentUnderItsBackendName(Protocol protocol) throws Exception {
        primary.enqueue(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"team/small\",\"messages\":[]}");
        assertEquals("{\"max_tokens\":256,\"model\":\"small-1\",\"messages\":[]}", primary.takeRequest().bodyText());
        // Taken here, or it could reach the queue after the next test cleared it: usage is delivered off the loop.
        assertEquals("small", gateways.usage(protocol).take().model(), "the record names the public model");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRequestThatNamesNoModelTakesTheDefaults(Protocol protocol) throws Exception {
        primary.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 100));
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
        assertEquals(200, response.statusCode());
        assertEquals("{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"max_tokens\":256,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true}", primary.takeRequest().bodyText());
        assertEquals("llama", gateways.usage(protocol).take().model());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aPrefixAloneOrAnotherPrefixIsNoModel(Protocol protocol) throws Exception {
        for (String asked : new String[] {"team/", "other/llama", "team/team/llama"}) {
            final HttpResponse<byte[]> response = Http.post(protocol,
                    gateways.uri(protocol, "/v1/chat/completions"), "{\"model\":\"" + asked + "\"}");
            assertEquals(404, response.statusCode(), asked);
            assertTrue(Http.text(response).contains("model_not_found"), Http.text(response));
        }
        assertEquals(0, primary.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void theModelListNamesEveryPublicModelOnce(Protocol protocol) throws Exception {
        final String list = Http.get(protocol, gateways.uri(protocol, "/v1/models")).body();
        final String[] parts = list.split("\"id\":\"");
        final List<String> ids = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            ids.add(parts[i].substring(0, parts[i].indexOf('"')));
        }
        assertEquals(List.of("small", "llama"), ids, list);
        assertTrue(list.contains("\"owned_by\":\"farm\""), list);
    }

    @Test
    void theWebSocketFrontRoutesTheSameWay() throws Exception {
        primary.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90),
                Script.sse(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90));
        try (WsClient client = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            for (String model : new String[] {"team/llama", ""}) {
                client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                        .setModel(model).setUserPrompt("Count.").setStream(true)).build());
                assertTrue(client.next().getAck().getAccepted());
                WebSocketMessage message;
                do {
                    message = client.next();
                } while (message.hasChunk());
                assertTrue(message.hasResponse(), message.toString());
                final RecordedRequest upstream = primary.takeRequest();
                assertEquals("{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Count.\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"max_tokens\":256}", upstream.bodyText());
            }
        }
    }
}
