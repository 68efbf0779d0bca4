package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.forBackend(backend.url(), "");
    }

    @BeforeEach
    void forgetEarlierTests() {
        backend.reset();
        gateway.usage().clear();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
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
        final byte[] sample = WireSamples.bytes(SAMPLE);
        backend.enqueue(Script.sse(sample, 64));
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), sent);

        assertEquals(forwarded, backend.takeRequest().bodyText());
        final String expected = new String(sample, StandardCharsets.UTF_8).replace(USAGE_CHUNK, "");
        assertEquals(expected.length() + USAGE_CHUNK.length(), sample.length, "the usage chunk is in the sample");
        assertEquals(expected, Http.text(response));
        final UsageRecord record = gateway.usage().take();
        assertEquals("upstream", record.usageSource());
        assertEquals(112, record.totalTokens());
        assertEquals(100, record.reasoningTokens());
    }

    @Test
    void aClientThatAskedForUsageGetsEveryByte() throws Exception {
        final byte[] sample = WireSamples.bytes(SAMPLE);
        backend.enqueue(Script.sse(sample, 5));
        final String sent = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), sent);
        assertEquals(sent, backend.takeRequest().bodyText());
        assertArrayEquals(sample, response.body());
        assertEquals(112, gateway.usage().take().totalTokens());
    }

    @Test
    void theModelIsRenamedAndEveryOtherByteIsAsSent() throws Exception {
        backend.enqueue(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        final String sent = "{ \"messages\": [ {\"role\": \"user\", \"content\": \"caf\u00e9 \\\"model\\\": \\u2603\"} ],\n"
                + "\t\"model\" : \"fast\",  \"temperature\": 0.5e0, \"n\":1 }";
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), sent);
        assertEquals(200, response.statusCode());
        assertEquals(sent.replace("\"fast\"", "\"meta/llama-3\""), backend.takeRequest().bodyText());
        final UsageRecord record = gateway.usage().take();
        assertEquals("fast", record.model());
        assertEquals("meta/llama-3", record.backendModel());
        assertEquals(222, record.totalTokens());
    }

    @Test
    void aRenamedStreamGetsBothEdits() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes(SAMPLE), 1000));
        Http.post(gateway.uri("/v1/completions"), "{\"prompt\":\"x\",\"model\":\"fast\",\"stream\":true}");
        assertEquals("{\"stream_options\":{\"include_usage\":true},\"prompt\":\"x\",\"model\":\"meta/llama-3\","
                + "\"stream\":true}", backend.takeRequest().bodyText());
        assertEquals(112, gateway.usage().take().totalTokens());
    }

    @Test
    void theResponsesApiIsNeverGivenStreamOptions() throws Exception {
        final String stream = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":"
                + "{\"usage\":{\"input_tokens\":5,\"output_tokens\":7,\"total_tokens\":12}}}\n\n";
        backend.enqueue(Script.sse(stream.getBytes(StandardCharsets.UTF_8), 10));
        final String sent = "{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}";
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/responses"), sent);
        assertEquals(sent, backend.takeRequest().bodyText());
        assertEquals(stream, Http.text(response));
        final UsageRecord record = gateway.usage().take();
        assertEquals(12, record.totalTokens());
        assertTrue(record.stream());
    }
}
