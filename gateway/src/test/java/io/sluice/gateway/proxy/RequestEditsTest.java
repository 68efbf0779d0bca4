package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the backend receives and what the client gets back when Sluice edits a request: the model rename and the
 * stream_options.include_usage splice, and the removal of the one usage-only chunk the client did not ask for.
 */
class RequestEditsTest {
    private static final String SAMPLE = "openai_chat_stream_usage.txt";
    private static final String USAGE_CHUNK = "data: {\"id\":\"chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY\","
            + "\"object\":\"chat.completion.chunk\",\"created\":1755137921,\"model\":\"gpt-5-nano-2025-08-07\","
            + "\"service_tier\":\"default\",\"system_fingerprint\":null,\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
            + "\"completion_tokens\":100,\"total_tokens\":112,\"prompt_tokens_details\":{\"cached_tokens\":0,"
            + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":100,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"obfuscation\":\"t9\"}\n\n";

    private static ScriptedBackend backend;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateways = ProtocolGateways.forBackend(backend.url(), "");
    }

    @BeforeEach
    void forgetEarlierTests() {
        backend.reset();
        gateways.clearUsage();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        backend.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"m\",\"stream\":true,\"messages\":[]}"
                    + "|{\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true,\"messages\":[]}",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":null}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":{}}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false}}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"})
    void usageIsAskedForAndItsChunkHiddenWhenTheClientDidNotAsk(String sent, String forwarded) throws Exception {
        for (Protocol protocol : Protocol.values()) {
            usageIsAskedForAndItsChunkHidden(protocol, sent, forwarded);
        }
    }

    private void usageIsAskedForAndItsChunkHidden(Protocol protocol, String sent, String forwarded)
            throws Exception {
        final byte[] sample = WireSamples.bytes(SAMPLE);
        backend.enqueue(Script.sse(sample, 64));
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                sent);

        assertEquals(forwarded, backend.takeRequest().bodyText());
        final String expected = new String(sample, StandardCharsets.UTF_8).replace(USAGE_CHUNK, "");
        assertEquals(expected.length() + USAGE_CHUNK.length(), sample.length, "the usage chunk is in the sample");
        assertEquals(expected, Http.text(response));
        final UsageRecord record = gateways.usage(protocol).take();
        assertEquals("upstream", record.usageSource());
        assertEquals(112, record.totalTokens());
        assertEquals(100, record.reasoningTokens());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aClientThatAskedForUsageGetsEveryByte(Protocol protocol) throws Exception {
        final byte[] sample = WireSamples.bytes(SAMPLE);
        backend.enqueue(Script.sse(sample, 5));
        final String sent = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), sent);
        assertEquals(sent, backend.takeRequest().bodyText());
        assertArrayEquals(sample, response.body());
        assertEquals(112, gateways.usage(protocol).take().totalTokens());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void theModelIsRenamedAndEveryOtherByteIsAsSent(Protocol protocol) throws Exception {
        backend.enqueue(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        final String sent = "{ \"messages\": [ {\"role\": \"user\", \"content\": \"caf\u00e9 \\\"model\\\": \\u2603\"} ],\n"
                + "\t\"model\" : \"fast\",  \"temperature\": 0.5e0, \"n\":1 }";
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), sent);
        assertEquals(200, response.statusCode());
        assertEquals(sent.replace("\"fast\"", "\"meta/llama-3\""), backend.takeRequest().bodyText());
        final UsageRecord record = gateways.usage(protocol).take();
        assertEquals("fast", record.model());
        assertEquals("meta/llama-3", record.backendModel());
        assertEquals(222, record.totalTokens());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRenamedStreamGetsBothEdits(Protocol protocol) throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes(SAMPLE), 1000));
        Http.post(protocol, gateways.uri(protocol, "/v1/completions"), "{\"prompt\":\"x\",\"model\":\"fast\",\"stream\":true}");
        assertEquals("{\"stream_options\":{\"include_usage\":true},\"prompt\":\"x\",\"model\":\"meta/llama-3\","
                + "\"stream\":true}", backend.takeRequest().bodyText());
        assertEquals(112, gateways.usage(protocol).take().totalTokens());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void theResponsesApiIsNeverGivenStreamOptions(Protocol protocol) throws Exception {
        final String stream = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":"
                + "{\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"total_tokens\":12}}}\n\n";
        backend.enqueue(Script.sse(stream.getBytes(StandardCharsets.UTF_8), 10));
        final String sent = "{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}";
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/responses"), sent);
        assertEquals(sent, backend.takeRequest().bodyText());
        assertEquals(stream, Http.text(response));
        final UsageRecord record = gateways.usage(protocol).take();
        assertEquals(12, record.totalTokens());
        assertTrue(record.stream());
    }
}
