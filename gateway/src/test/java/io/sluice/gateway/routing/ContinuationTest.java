package io.sluice.gateway.routing;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.JsonTree;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.PrometheusText;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.WsClient;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream that breaks after tokens reached the client (the model server closes, resets, stalls, or ends without its
 * final event) goes on on the route's next target, which is asked to continue the partial answer: the client reads
 * one answer, the backends' full text exactly, under one id, with one role and one usage.
 */
class ContinuationTest {
    private static final String FIRST_ID = "chatcmpl-first";
    private static final String SECOND_ID = "chatcmpl-second";

    private static ScriptedBackend first;
    private static ScriptedBackend second;
    private static ScriptedBackend third;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        first = ScriptedBackend.start();
        second = ScriptedBackend.start();
        third = ScriptedBackend.start();
        gateways = ProtocolGateways.forConfig(config(""), config(TestCertificates.serverTlsYaml()));
    }

    private static String config(String serverExtra) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 1
                %s
                usage: { log: false }
                providers:
                  - { id: first, type: vllm, endpoints: [ "%s" ], timeouts: { idle: 400ms },
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                  - { id: second, type: vllm, endpoints: [ "%s" ],
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                  - { id: second-pair, type: vllm, endpoints: [ "%3$s", "%5$s" ],
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                  - { id: third, type: vllm, endpoints: [ "%s" ],
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                  - { id: cloud, type: openai, endpoints: [ "%4$s" ],
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                  - { id: claude-first, type: anthropic, api_key: sk-ant-x, endpoints: [ "%2$s/v1" ],
                      timeouts: { idle: 400ms },
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                  - { id: claude-second, type: anthropic, api_key: sk-ant-x, endpoints: [ "%3$s/v1" ],
                      health: { consecutive_failures: 1000, probe: { enabled: false } } }
                routes:
                  - model: two
                    targets: [ { provider: first, model: llama }, { provider: second, model: llama } ]
                    retry: { attempts_per_target: 1 }
                  - model: three
                    targets: [ { provider: first, model: llama }, { provider: second, model: llama },
                               { provider: third, model: llama } ]
                    retry: { attempts_per_target: 1 }
                  - model: past-cloud
                    targets: [ { provider: first, model: llama }, { provider: cloud, model: gpt },
                               { provider: third, model: llama } ]
                    retry: { attempts_per_target: 1 }
                  - model: never
                    targets: [ { provider: first, model: llama }, { provider: second, model: llama } ]
                    retry: { attempts_per_target: 1, continue_streams: false }
                  - model: claude
                    targets: [ { provider: claude-first, model: claude-x }, { provider: claude-second, model: claude-x } ]
                    retry: { attempts_per_target: 1 }
                  - model: brief
                    targets: [ { provider: first, model: llama }, { provider: second, model: llama } ]
                    retry: { attempts_per_target: 1 }
                    timeouts: { total: 1500ms }
                  - model: pair
                    targets: [ { provider: first, model: llama }, { provider: second-pair, model: llama },
                               { provider: third, model: llama } ]
                  - model: mixed-claude
                    targets: [ { provider: claude-first, model: claude-x }, { provider: second, model: llama } ]
                    retry: { attempts_per_target: 1 }
                """.formatted(serverExtra, first.url(), second.url(), third.url(), second.url("localhost"));
    }

    @BeforeEach
    void forgetEarlierTests() {
        first.reset();
        second.reset();
        third.reset();
        gateways.clearUsage();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        first.close();
        second.close();
        third.close();
    }

    /** The ways a model server breaks a stream half-way. */
    enum Break {
        CLOSE(b -> b.close()),
        RESET(b -> b.reset()),
        STALL(b -> b.stall()),
        END_WITHOUT_FINISH(b -> b.end());

        private final Function<Script.Builder, Script.Builder> fault;

        Break(Function<Script.Builder, Script.Builder> fault) {
            this.fault = fault;
        }
    }

    @ParameterizedTest
    @EnumSource(Break.class)
    void aBrokenStreamGoesOnOnTheNextTargetAsOneAnswer(Break fault) throws Exception {
        final double resumedBefore = resumedOnSecond();
        for (Protocol protocol : Protocol.values()) {
            forgetEarlierTests();
            first.enqueue(broken(fault, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
            second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld! "), text(SECOND_ID, "Bye."),
                    finish(SECOND_ID, "stop"), usage(SECOND_ID, 30, 5)));
            final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                    question("two", true), "x-session-note", "kept for every leg", "x-api-key", "sk-never-sent");
            assertEquals(200, response.statusCode(), protocol + " " + fault);
            final Answer answer = Answer.read(Http.text(response));
            assertEquals("Hello, world! Bye.", answer.text.toString(), protocol + " " + fault);
            assertEquals(Set.of(FIRST_ID), answer.ids, "one id on every event: " + answer.ids);
            assertEquals(1, answer.roles, "one role delta");
            assertEquals(List.of("stop"), answer.finishes);
            assertTrue(answer.done, "the stream ends with [DONE]");
            assertTrue(answer.errors.isEmpty(), "no error event: " + answer.errors);
            assertEquals(1, answer.usages.size(), "one usage event");
            final Map<String, Object> usage = answer.usages.get(0);
            final long prompt = ((Number) usage.get("prompt_tokens")).longValue();
            final long completion = ((Number) usage.get("completion_tokens")).longValue();
            assertTrue(prompt < 30 && prompt > 0, "the client's prompt, without the partial answer: " + usage);
            assertTrue(completion > 5, "the completion covers both legs: " + usage);
            assertEquals(prompt + completion, ((Number) usage.get("total_tokens")).longValue());

            assertEquals("kept for every leg", first.takeRequest().headers().get("x-session-note"));
            final RecordedRequest continued = second.takeRequest();
            // The stream kept the client's fields, not its header map, while it ran.
            assertEquals("kept for every leg", continued.headers().get("x-session-note"), protocol + " " + fault);
            assertFalse(continued.headers().contains("x-api-key"), "a credential never goes upstream");
            final Map<String, Object> asked = JsonTree.readObject(Unpooled.wrappedBuffer(continued.body()));
            final List<Object> messages = JsonTree.asArray(asked.get("messages"));
            assertEquals(Map.of("role", "assistant", "content", "Hello, wor"), messages.get(messages.size() - 1),
                    "the partial answer is the final assistant message");
            assertEquals(true, asked.get("continue_final_message"));
            assertEquals(false, asked.get("add_generation_prompt"), "said explicitly: vLLM defaults it to true");
            assertEquals("llama", asked.get("model"));

            final UsageRecord record = gateways.usage(protocol).takeFor(response);
            assertEquals(List.of("broken", "200"), record.attempts().stream().map(UsageRecord.Attempt::outcome)
                    .toList());
            assertEquals("second", record.provider());
            assertEquals("estimated", record.usageSource(), "the first leg's tokens are counted by Sluice");
            assertEquals(prompt, record.promptTokens(), "the record says what the client was told");
            assertEquals(completion, record.completionTokens());
            final UsageRecord.Leg firstLeg = record.attempts().get(0).leg();
            final UsageRecord.Leg secondLeg = record.attempts().get(1).leg();
            assertEquals("estimated", firstLeg.usageSource(), "the broken leg reported nothing: " + firstLeg);
            assertTrue(firstLeg.completionTokens() > 0 && firstLeg.promptTokens() > 0, firstLeg.toString());
            assertEquals(new UsageRecord.Leg(30, 5, "upstream"), secondLeg, "as the continuation reported it");
            assertEquals(firstLeg.completionTokens() + 5, completion, "the client's completion is both legs'");
        }
        assertEquals(resumedBefore + 2, resumedOnSecond(), "the cleartext gateway continued two (HTTP/1.1 and h2c)");
    }

    private static double resumedOnSecond() throws Exception {
        return PrometheusText.parse(Http.get(gateways.uri(Protocol.HTTP_1_1, "/metrics")).body())
                .value("llm_proxy_stream_continuations_total{outcome=\"resumed\",provider=\"second\"}");
    }

    @Test
    void aPartialAnswerEndingInWhitespaceIsContinuedWithoutItAndTheClientSeesItOnce() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Dear Sir,\n\n"), text(FIRST_ID, "I ")));
        // vLLM's template strips the trailing whitespace; the model writes it again with its next token.
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, " write"), text(SECOND_ID, " to you."),
                finish(SECOND_ID, "stop")));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "two", false)));
        assertEquals("Dear Sir,\n\nI write to you.", answer.text.toString());
        final Map<String, Object> asked = JsonTree.readObject(Unpooled.wrappedBuffer(second.takeRequest().body()));
        final List<Object> messages = JsonTree.asArray(asked.get("messages"));
        assertEquals("Dear Sir,\n\nI", JsonTree.asObject(messages.get(messages.size() - 1)).get("content"));
    }

    @Test
    void aContinuationInTheClientsDialectKeepsItsOwnBytesUnderTheFirstName() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
        second.enqueue(stream(fingerprinted(role(SECOND_ID)), fingerprinted(text(SECOND_ID, "ld! ")),
                fingerprinted(text(SECOND_ID, "Bye.")), fingerprinted(finish(SECOND_ID, "stop"))));
        final String body = Http.text(ask(Protocol.HTTP_1_1, "two", false));
        final Answer answer = Answer.read(body);
        assertEquals("Hello, world! Bye.", answer.text.toString());
        assertEquals(Set.of(FIRST_ID), answer.ids);
        assertEquals(1, answer.roles);
        final String expected = fingerprinted(text(SECOND_ID, "Bye.")).replace(SECOND_ID, FIRST_ID);
        assertTrue(body.contains(expected), "the continuation's chunk as it came, renamed: " + body);
        assertTrue(body.endsWith(fingerprinted(finish(SECOND_ID, "stop")).replace(SECOND_ID, FIRST_ID)
                + "data: [DONE]\n\n"), body);
    }

    private static String fingerprinted(String chunk) {
        return chunk.replace("\"created\":1,", "\"created\":7,\"system_fingerprint\":\"fp_second\",");
    }

    @Test
    void aContinuationThatReportsNoUsageGivesTheClientWhoAskedAnEstimate() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld!"), finish(SECOND_ID, "stop")));
        final HttpResponse<byte[]> response = ask(Protocol.HTTP_1_1, "two", true);
        final Answer answer = Answer.read(Http.text(response));
        assertEquals("Hello, world!", answer.text.toString());
        assertEquals(1, answer.usages.size(), "the client asked for usage");
        final long completion = ((Number) answer.usages.get(0).get("completion_tokens")).longValue();
        assertTrue(completion > 0, answer.usages.toString());
        final UsageRecord record = gateways.usage(Protocol.HTTP_1_1).takeFor(response);
        assertEquals(completion, record.completionTokens());
        assertEquals("estimated", record.usageSource());
    }

    @Test
    void aRefusedContinuationMovesOnAndTheThirdTargetFinishesTheAnswer() throws Exception {
        first.enqueue(broken(Break.RESET, role(FIRST_ID), text(FIRST_ID, "One, two")));
        second.enqueue(Script.json(400, "{\"error\":{\"message\":\"prefill is not supported for this model\"}}"));
        third.enqueue(stream(role("x"), text("x", ", three."), finish("x", "stop")));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "three", false)));
        assertEquals("One, two, three.", answer.text.toString());
        assertEquals(1, second.requestCount());
        final PrometheusText metrics = PrometheusText.parse(Http.get(gateways.uri(Protocol.HTTP_1_1, "/metrics"))
                .body());
        assertTrue(metrics.value("llm_proxy_stream_continuations_total{outcome=\"refused\",provider=\"second\"}") >= 1);
    }

    @Test
    void aRefusingTargetIsLeftForTheNextNotTriedOnItsOtherEndpoint() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "One, two")));
        second.respondAlways(Script.json(400, "{\"error\":{\"message\":\"prefill is not supported\"}}"));
        third.enqueue(stream(role("x"), text("x", ", three."), finish("x", "stop")));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "pair", false)));
        assertEquals("One, two, three.", answer.text.toString());
        assertEquals(1, second.requestCount(), "the model refused: its other endpoint would too");
    }

    @Test
    void aContinuationThatBreaksTooIsContinuedAgain() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "One")));
        second.enqueue(broken(Break.RESET, role(SECOND_ID), text(SECOND_ID, ", two")));
        third.enqueue(stream(role("x"), text("x", ", three."), finish("x", "stop"), usage("x", 40, 3)));
        final HttpResponse<byte[]> response = ask(Protocol.HTTP_1_1, "three", true);
        final Answer answer = Answer.read(Http.text(response));
        assertEquals("One, two, three.", answer.text.toString());
        assertEquals(Set.of(FIRST_ID), answer.ids);
        assertEquals(1, answer.roles);
        final Map<String, Object> asked = JsonTree.readObject(Unpooled.wrappedBuffer(third.takeRequest().body()));
        final List<Object> messages = JsonTree.asArray(asked.get("messages"));
        assertEquals("One, two", JsonTree.asObject(messages.get(messages.size() - 1)).get("content"));
        final UsageRecord record = gateways.usage(Protocol.HTTP_1_1).takeFor(response);
        assertEquals(List.of("broken", "broken", "200"), record.attempts().stream()
                .map(UsageRecord.Attempt::outcome).toList());
        assertTrue(record.attempts().stream().allMatch(a -> a.leg() != null), "three legs: " + record.attempts());
        assertEquals(new UsageRecord.Leg(40, 3, "upstream"), record.attempts().get(2).leg());
        final long earlier = record.attempts().get(0).leg().completionTokens()
                + record.attempts().get(1).leg().completionTokens();
        assertEquals(earlier + 3, record.completionTokens(), "every leg's completion");
    }

    @Test
    void aClientThatLeavesWhileAContinuationIsAskedForStopsIt() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Hello")));
        second.enqueue(Script.builder().stall().build());
        final String body = "{\"model\":\"two\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        try (RawHttp client = new RawHttp(gateways.port(Protocol.HTTP_1_1))) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: " + body.length() + "\r\n\r\n" + body);
            assertTrue(client.readUntil("Hello", 1).contains("Hello"), "the first leg's text reached the client");
            second.takeRequest();
        }
        assertTrue(second.awaitClose(Duration.ofSeconds(10)) != null, "the continuation's connection closes with the client");
        // An earlier test's record may still come in: this request's is the one whose client left.
        UsageRecord record;
        do {
            record = gateways.usage(Protocol.HTTP_1_1).take();
        } while (record.status() != 499);
        assertEquals(List.of("broken"), record.attempts().stream().map(UsageRecord.Attempt::outcome).toList()
                .subList(0, 1));
    }

    @Test
    void severalChoicesOrLogprobsAreNotContinued() throws Exception {
        for (String asked : List.of("\"n\":2", "\"logprobs\":true")) {
            forgetEarlierTests();
            first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "One")));
            final Answer answer = Answer.read(Http.text(Http.post(Protocol.HTTP_1_1,
                    gateways.uri(Protocol.HTTP_1_1, "/v1/chat/completions"), "{\"model\":\"two\",\"stream\":true,"
                            + asked + ",\"messages\":[{\"role\":\"user\",\"content\":\"Count.\"}]}")));
            assertEquals(1, answer.errors.size(), asked + ": a continuation could not give the same choices");
            assertEquals(0, second.requestCount(), asked);
        }
    }

    @Test
    void withNoTargetLeftTheClientHearsTheOriginalFailureNotTheRefusal() throws Exception {
        first.enqueue(broken(Break.RESET, role(FIRST_ID), text(FIRST_ID, "One, two")));
        second.enqueue(Script.json(400, "{\"error\":{\"message\":\"prefill is not supported for this model\"}}"));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "two", false)));
        assertEquals("One, two", answer.text.toString());
        assertEquals(1, answer.errors.size(), "one terminal error event");
        final String message = String.valueOf(JsonTree.asObject(answer.errors.get(0).get("error")).get("message"));
        assertTrue(message.contains("backend connection"), "the reset, not the refusal: " + message);
        assertFalse(message.contains("prefill"), message);
    }

    @Test
    void whenTimeRunsOutWaitingForAContinuationTheClientHearsWhyTheStreamBroke() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "One, two")));
        second.enqueue(Script.builder().stall().build());
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "brief", false)));
        assertEquals("One, two", answer.text.toString());
        assertEquals(1, answer.errors.size());
        final String message = String.valueOf(JsonTree.asObject(answer.errors.get(0).get("error")).get("message"));
        assertFalse(message.contains("took longer"), "the break, not the time limit: " + message);
        assertTrue(message.contains("backend"), message);
    }

    @Test
    void aTargetThatCannotContinueIsPassedOver() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Red, green")));
        third.enqueue(stream(role("x"), text("x", ", blue."), finish("x", "stop")));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "past-cloud", false)));
        assertEquals("Red, green, blue.", answer.text.toString());
        // The cloud provider's endpoint is the third backend too: had it been asked, it would have asked for "gpt".
        assertEquals(1, third.requestCount(), "an OpenAI backend answers a final assistant message: skipped");
        assertEquals("llama", JsonTree.readObject(Unpooled.wrappedBuffer(third.takeRequest().body())).get("model"));
    }

    @Test
    void aStreamCutInsideAToolCallEndsWithAnError() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), chunk(FIRST_ID, "{\"tool_calls\":[{\"index\":0,"
                + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"ci\"}}]}",
                null)));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "two", false)));
        assertEquals(1, answer.errors.size(), "a half tool call cannot be spliced: the stream ends with an error");
        assertEquals(0, second.requestCount());
    }

    @Test
    void aRouteThatDoesNotContinueEndsTheStreamWithAnError() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Hello")));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "never", false)));
        assertEquals("Hello", answer.text.toString());
        assertEquals(1, answer.errors.size());
        assertEquals(0, second.requestCount());
    }

    @Test
    void aUniformStreamHasOneEnd() throws Exception {
        first.enqueue(broken(Break.END_WITHOUT_FINISH, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld!"), finish(SECOND_ID, "stop"),
                usage(SECOND_ID, 30, 5)));
        final String events = Http.text(Http.post(gateways.uri(Protocol.HTTP_1_1, "/llm/stream"),
                "{\"model\":\"two\",\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}"));
        final StringBuilder text = new StringBuilder();
        int ends = 0;
        int index = 0;
        for (String event : events.split("\n\n")) {
            final String data = event.substring(event.indexOf("data: ") + 6);
            final ByteBuf bytes = Unpooled.copiedBuffer(data, StandardCharsets.UTF_8);
            final Map<String, Object> json = JsonTree.readObject(bytes);
            bytes.release();
            if (event.startsWith("event: token")) {
                text.append(json.get("token"));
                assertEquals(++index, ((Number) json.get("index")).intValue(), "tokens numbered on: " + events);
            } else if (event.startsWith("event: end")) {
                ends++;
                assertEquals("stop", json.get("finish_reason"));
            } else {
                throw new AssertionError("unexpected event: " + event);
            }
        }
        assertEquals("Hello, world!", text.toString());
        assertEquals(1, ends);
    }

    @Test
    void aResetAfterTheFinishReasonEndsTheAnswerAsItIs() throws Exception {
        first.enqueue(broken(Break.RESET, role(FIRST_ID), text(FIRST_ID, "Done."), finish(FIRST_ID, "stop")));
        final Answer answer = Answer.read(Http.text(ask(Protocol.HTTP_1_1, "two", false)));
        assertEquals("Done.", answer.text.toString());
        assertTrue(answer.errors.isEmpty(), "a whole answer, whatever followed: " + answer.errors);
        assertEquals(List.of("stop"), answer.finishes);
        assertEquals(0, second.requestCount(), "nothing to continue");
        first.enqueue(broken(Break.RESET, role(FIRST_ID), text(FIRST_ID, "Done."), finish(FIRST_ID, "stop")));
        final String events = Http.text(Http.post(gateways.uri(Protocol.HTTP_1_1, "/v1/messages"),
                "{\"model\":\"two\",\"max_tokens\":100,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}"));
        assertTrue(events.endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), events);
        assertFalse(events.contains("event: error"), events);
        first.enqueue(broken(Break.RESET, role(FIRST_ID), text(FIRST_ID, "Done."), finish(FIRST_ID, "stop")));
        try (WsClient client = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                    .setModel("two").setUserPrompt("Greet.").setStream(true)).build());
            assertTrue(client.next().getAck().getAccepted());
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                assertEquals("Done.", message.getChunk().getContent());
            }
            assertTrue(message.hasResponse(), "an end, not an error: " + message);
            assertEquals("stop", message.getResponse().getFinishReason());
        }
    }

    @ParameterizedTest
    @EnumSource(Break.class)
    void aWebSocketClientReadsOneAnswer(Break fault) throws Exception {
        first.enqueue(broken(fault, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld!"), finish(SECOND_ID, "stop"),
                usage(SECOND_ID, 30, 5)));
        try (WsClient client = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                    .setModel("two").setUserPrompt("Greet.").setStream(true)).build());
            assertTrue(client.next().getAck().getAccepted());
            final StringBuilder text = new StringBuilder();
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                text.append(message.getChunk().getContent());
            }
            assertTrue(message.hasResponse(), "one end: " + message);
            assertEquals("Hello, world!", text.toString());
            assertEquals("stop", message.getResponse().getFinishReason());
            assertTrue(message.getResponse().getCompletionTokens() > 5, "both legs: " + message.getResponse());
        }
    }

    @Test
    void anAnthropicClientOfAnOpenAiFarmReadsOneMessage() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld!"), finish(SECOND_ID, "stop"),
                usage(SECOND_ID, 30, 5)));
        final String events = Http.text(Http.post(gateways.uri(Protocol.HTTP_1_1, "/v1/messages"),
                "{\"model\":\"two\",\"max_tokens\":100,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}"));
        final AnthropicEvents read = AnthropicEvents.read(events);
        assertEquals("Hello, world!", read.text.toString(), events);
        assertEquals(List.of("message_start", "message_stop"), read.once, events);
        assertEquals(Set.of(0), read.blocks, "one text block: " + events);
        assertTrue(read.outputTokens > 5, "both legs' tokens: " + events);
    }

    @Test
    void anAnthropicStreamRelayedByteForByteGoesOnOnAnotherAnthropicBackend() throws Exception {
        first.enqueue(broken(Break.RESET, anthropicStart("msg_first", 25), anthropicBlock(0),
                anthropicText(0, "Hello"), anthropicText(0, ", wor")));
        second.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(anthropicStart("msg_second", 31) + anthropicBlock(0) + anthropicText(0, "ld!")
                        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                        + "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}\n\n"
                        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", 50, Duration.ZERO)
                .end().build());
        final String events = Http.text(Http.post(gateways.uri(Protocol.HTTP_1_1, "/v1/messages"),
                "{\"model\":\"claude\",\"max_tokens\":100,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}"));
        final AnthropicEvents read = AnthropicEvents.read(events);
        assertEquals("Hello, world!", read.text.toString(), events);
        assertEquals(List.of("message_start", "message_stop"), read.once, events);
        assertEquals(Set.of("msg_first"), read.ids, "the first message's id throughout: " + events);
        assertEquals(Set.of(0), read.blocks, events);
        assertEquals(25, read.inputTokens, "the prompt as the first backend reported it");
        assertTrue(read.outputTokens > 3, "the first leg's text counted, not the one token its start reported: "
                + read.outputTokens);
        final Map<String, Object> asked = JsonTree.readObject(Unpooled.wrappedBuffer(second.takeRequest().body()));
        final List<Object> messages = JsonTree.asArray(asked.get("messages"));
        final Map<String, Object> prefill = JsonTree.asObject(messages.get(messages.size() - 1));
        assertEquals("assistant", prefill.get("role"));
        assertTrue(String.valueOf(prefill.get("content")).contains("Hello, wor"), "Anthropic's prefill: " + prefill);
    }

    @Test
    void anAnthropicStreamBrokenInItsFirstEmptyBlockGoesOnInThatBlock() throws Exception {
        first.enqueue(broken(Break.RESET, anthropicStart("msg_first", 25), anthropicBlock(0)));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "Hello!"), finish(SECOND_ID, "stop")));
        final String events = Http.text(Http.post(gateways.uri(Protocol.HTTP_1_1, "/v1/messages"),
                "{\"model\":\"mixed-claude\",\"max_tokens\":100,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}"));
        final AnthropicEvents read = AnthropicEvents.read(events);
        assertEquals("Hello!", read.text.toString(), events);
        assertEquals(List.of(0), read.starts, "the open block goes on, never started twice: " + events);
        assertEquals(List.of(0), read.stops, events);
        assertEquals(List.of("message_start", "message_stop"), read.once, events);
    }

    @Test
    void anAnthropicStreamBrokenAfterItsThinkingGoesOnInItsTextBlock() throws Exception {
        first.enqueue(broken(Break.CLOSE, anthropicStart("msg_first", 25),
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"A greeting.\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
                anthropicBlock(1), anthropicText(1, "Hello")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, ", world!"), finish(SECOND_ID, "stop")));
        final String events = Http.text(Http.post(gateways.uri(Protocol.HTTP_1_1, "/v1/messages"),
                "{\"model\":\"mixed-claude\",\"max_tokens\":100,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}"));
        final AnthropicEvents read = AnthropicEvents.read(events);
        assertEquals("Hello, world!", read.text.toString(), events);
        assertEquals(List.of(0, 1), read.starts, events);
        assertEquals(List.of(0, 1), read.stops, events);
        final Map<String, Object> asked = JsonTree.readObject(Unpooled.wrappedBuffer(second.takeRequest().body()));
        final List<Object> messages = JsonTree.asArray(asked.get("messages"));
        assertEquals(Map.of("role", "assistant", "content", "Hello", "reasoning_content", "A greeting."),
                messages.get(messages.size() - 1), "the reasoning goes along");
    }

    @Test
    void reasoningGoesAlongAndIsShownOnce() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID),
                chunk(FIRST_ID, "{\"reasoning_content\":\"The user wants a greeting.\"}", null),
                text(FIRST_ID, "Hello")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, ", world!"), finish(SECOND_ID, "stop")));
        final String body = Http.text(ask(Protocol.HTTP_1_1, "two", false));
        final Answer answer = Answer.read(body);
        assertEquals("Hello, world!", answer.text.toString());
        assertEquals(1, body.split("The user wants a greeting", -1).length - 1, "the reasoning once: " + body);
        final Map<String, Object> asked = JsonTree.readObject(Unpooled.wrappedBuffer(second.takeRequest().body()));
        final List<Object> messages = JsonTree.asArray(asked.get("messages"));
        assertEquals(Map.of("role", "assistant", "content", "Hello", "reasoning_content", "The user wants a greeting."),
                messages.get(messages.size() - 1));
    }

    @Test
    void theOpenAiSdkReadsAContinuedStreamAsOneAnswer() throws Exception {
        first.enqueue(broken(Break.CLOSE, role(FIRST_ID), text(FIRST_ID, "Hello"), text(FIRST_ID, ", wor")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld!"), finish(SECOND_ID, "stop"),
                usage(SECOND_ID, 30, 5)));
        final OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateways.port(Protocol.HTTP_1_1) + "/v1").apiKey("sk-x")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(
                     ChatCompletionCreateParams.builder().model("two").addUserMessage("Greet me.")
                             .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                             .build())) {
            final StringBuilder text = new StringBuilder();
            final List<ChatCompletionChunk> chunks = response.stream().toList();
            chunks.forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
            assertEquals("Hello, world!", text.toString());
            assertEquals(Set.of(FIRST_ID), chunks.stream().map(ChatCompletionChunk::id).collect(Collectors.toSet()));
            final CompletionUsage usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
            assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        } finally {
            client.close();
        }
    }

    @Test
    void theAnthropicSdkReadsAContinuedStreamAsOneMessage() throws Exception {
        first.enqueue(broken(Break.STALL, anthropicStart("msg_first", 25), anthropicBlock(0),
                anthropicText(0, "Hello"), anthropicText(0, ", wor")));
        second.enqueue(stream(role(SECOND_ID), text(SECOND_ID, "ld!"), finish(SECOND_ID, "stop")));
        final AnthropicClient client = AnthropicOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateways.port(Protocol.HTTP_1_1)).apiKey("sk-ant-x")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        try {
            final MessageAccumulator accumulator = MessageAccumulator.create();
            try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> response = client.messages()
                    .createStreaming(MessageCreateParams.builder().model("mixed-claude").maxTokens(100)
                            .addUserMessage("Greet me.").build())) {
                response.stream().forEach(accumulator::accumulate);
            }
            final Message message = accumulator.message();
            assertEquals("msg_first", message.id());
            assertEquals(1, message.content().size());
            assertEquals("Hello, world!", message.content().get(0).asText().text());
        } finally {
            client.close();
        }
    }

    private static String anthropicStart(String id, int inputTokens) {
        return "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],"
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + inputTokens
                + ",\"output_tokens\":1}}}\n\n";
    }

    private static String anthropicBlock(int index) {
        return "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
    }

    private static String anthropicText(int index, String text) {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + index
                + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}\n\n";
    }

    /** A Messages stream as an Anthropic client reads it. */
    private static final class AnthropicEvents {
        final StringBuilder text = new StringBuilder();
        final List<String> once = new ArrayList<>();
        final Set<Object> ids = new LinkedHashSet<>();
        final Set<Object> blocks = new LinkedHashSet<>();
        final List<Object> starts = new ArrayList<>();
        final List<Object> stops = new ArrayList<>();
        long inputTokens;
        long outputTokens;

        static AnthropicEvents read(String body) throws Exception {
            final AnthropicEvents read = new AnthropicEvents();
            for (String event : body.split("\n\n")) {
                final int data = event.indexOf("data: ");
                if (data < 0) {
                    continue;
                }
                final ByteBuf bytes = Unpooled.copiedBuffer(event.substring(data + 6), StandardCharsets.UTF_8);
                final Map<String, Object> json = JsonTree.readObject(bytes);
                bytes.release();
                final Object type = json.get("type");
                if ("message_start".equals(type) || "message_stop".equals(type)) {
                    read.once.add((String) type);
                }
                if ("message_start".equals(type)) {
                    final Map<String, Object> message = JsonTree.asObject(json.get("message"));
                    read.ids.add(message.get("id"));
                    read.inputTokens = ((Number) JsonTree.asObject(message.get("usage")).get("input_tokens"))
                            .longValue();
                }
                if ("content_block_start".equals(type)) {
                    read.starts.add(((Number) json.get("index")).intValue());
                }
                if ("content_block_stop".equals(type)) {
                    read.stops.add(((Number) json.get("index")).intValue());
                }
                if ("content_block_start".equals(type) || "content_block_delta".equals(type)) {
                    read.blocks.add(((Number) json.get("index")).intValue());
                }
                if ("content_block_delta".equals(type)
                        && JsonTree.asObject(json.get("delta")).get("text") instanceof String text) {
                    read.text.append(text);
                }
                if ("message_delta".equals(type)) {
                    read.outputTokens = ((Number) JsonTree.asObject(json.get("usage")).get("output_tokens"))
                            .longValue();
                }
            }
            return read;
        }
    }

    private static HttpResponse<byte[]> ask(Protocol protocol, String model, boolean usage) throws Exception {
        return Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), question(model, usage));
    }

    private static String question(String model, boolean usage) {
        return "{\"model\":\"" + model + "\",\"stream\":true"
                + (usage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Greet me.\"}]}";
    }

    private static Script broken(Break fault, String... events) {
        return fault.fault.apply(Script.builder().head(200, "content-type", "text/event-stream")
                .body(String.join("", events), Integer.MAX_VALUE, Duration.ZERO)).build();
    }

    private static Script stream(String... events) {
        return Script.builder().head(200, "content-type", "text/event-stream")
                .body(String.join("", events) + "data: [DONE]\n\n", 64, Duration.ZERO).end().build();
    }

    private static String chunk(String id, String delta, String finish) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
    }

    private static String role(String id) {
        return chunk(id, "{\"role\":\"assistant\",\"content\":\"\"}", null);
    }

    private static String text(String id, String text) {
        return chunk(id, "{\"content\":\"" + text.replace("\n", "\\n") + "\"}", null);
    }

    private static String finish(String id, String reason) {
        return chunk(id, "{}", reason);
    }

    private static String usage(String id, int prompt, int completion) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + (prompt + completion) + "}}\n\n";
    }

    /** A chat completions stream as an OpenAI client reads it. */
    private static final class Answer {
        final StringBuilder text = new StringBuilder();
        final Set<Object> ids = new LinkedHashSet<>();
        final List<String> finishes = new ArrayList<>();
        final List<Map<String, Object>> usages = new ArrayList<>();
        final List<Map<String, Object>> errors = new ArrayList<>();
        int roles;
        boolean done;

        static Answer read(String body) throws Exception {
            final Answer answer = new Answer();
            for (String event : body.split("\n\n")) {
                if (!event.startsWith("data: ")) {
                    continue;
                }
                final String data = event.substring("data: ".length());
                if (data.equals("[DONE]")) {
                    answer.done = true;
                    continue;
                }
                final ByteBuf bytes = Unpooled.copiedBuffer(data, StandardCharsets.UTF_8);
                final Map<String, Object> chunk = JsonTree.readObject(bytes);
                bytes.release();
                if (chunk.containsKey("error")) {
                    answer.errors.add(chunk);
                    continue;
                }
                answer.ids.add(chunk.get("id"));
                if (chunk.get("usage") instanceof Map<?, ?>) {
                    answer.usages.add(JsonTree.asObject(chunk.get("usage")));
                }
                for (Object choice : JsonTree.asArray(chunk.get("choices"))) {
                    final Map<String, Object> delta = JsonTree.asObject(JsonTree.asObject(choice).get("delta"));
                    if (delta.containsKey("role")) {
                        answer.roles++;
                    }
                    if (delta.get("content") instanceof String content) {
                        answer.text.append(content);
                    }
                    if (JsonTree.asObject(choice).get("finish_reason") instanceof String reason) {
                        answer.finishes.add(reason);
                    }
                }
            }
            return answer;
        }
    }
}
