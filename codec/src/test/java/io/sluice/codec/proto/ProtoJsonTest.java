package io.sluice.codec.proto;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.sluice.codec.json.Json;
import io.sluice.proto.Ack;
import io.sluice.proto.ChatMessage;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.LLMResponse;
import io.sluice.proto.ToolCallDelta;
import io.sluice.proto.WebSocketMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtoJsonTest {

    private static String json(WebSocketMessage message) throws IOException {
        final StringWriter out = new StringWriter();
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            ProtoJson.write(message, g);
        }
        return out.toString();
    }

    private static WebSocketMessage parse(String json) throws IOException {
        final WebSocketMessage.Builder builder = WebSocketMessage.newBuilder();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            ProtoJson.read(p, builder);
        }
        return builder.build();
    }

    @Test
    void aRequestRoundTripsWithProtoFieldNamesAndDefaultsLeftOut() throws Exception {
        final WebSocketMessage message = WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder()
                .setRequestId("r1").setModel("m").setStream(true)
                .addMessages(ChatMessage.newBuilder().setRole("user").setContent("h\u00e9 \"x\""))
                .setTemperature(0.0).setMaxTokens((int) 4_000_000_000L)
                .setTools("[{\"type\":\"function\"}]").putMetadata("team", "a")).build();
        final String json = json(message);
        assertEquals("{\"request\":{\"request_id\":\"r1\",\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"h\u00e9 \\\"x\\\"\"}],\"temperature\":0.0,\"max_tokens\":4000000000,"
                + "\"tools\":\"[{\\\"type\\\":\\\"function\\\"}]\",\"metadata\":{\"team\":\"a\"}}}", json);
        assertEquals(message, parse(json));
    }

    @Test
    void serverMessagesLeaveOutWhatIsEmpty() throws Exception {
        assertEquals("{\"ack\":{\"request_id\":\"r1\",\"accepted\":true}}",
                json(WebSocketMessage.newBuilder().setAck(Ack.newBuilder().setRequestId("r1").setAccepted(true))
                        .build()));
        assertEquals("{\"response\":{\"request_id\":\"r1\",\"finish_reason\":\"tool_calls\",\"prompt_tokens\":3,"
                + "\"tool_calls\":[{\"index\":1,\"name\":\"f\",\"arguments\":\"{}\"}]}}",
                json(WebSocketMessage.newBuilder().setResponse(LLMResponse.newBuilder().setRequestId("r1")
                        .setFinishReason("tool_calls").setPromptTokens(3)
                        .addToolCalls(ToolCallDelta.newBuilder().setIndex(1).setName("f").setArguments("{}")))
                        .build()));
    }

    @Test
    void camelCaseNamesAndUnknownFieldsAreAccepted() throws Exception {
        final WebSocketMessage message = parse("{\"request\":{\"requestId\":\"r2\",\"model\":\"m\",\"future\":"
                + "{\"x\":[1,2]},\"userPrompt\":\"hi\",\"max_tokens\":5,\"temperature\":1}}");
        assertEquals("r2", message.getRequest().getRequestId());
        assertEquals("hi", message.getRequest().getUserPrompt());
        assertEquals(5, message.getRequest().getMaxTokens());
        assertEquals(1.0, message.getRequest().getTemperature());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"request\":{\"stream\":\"yes\"}}|stream: expected true or false",
            "{\"request\":{\"max_tokens\":-1}}|max_tokens: -1 is out of range",
            "{\"request\":{\"max_tokens\":5000000000}}|max_tokens: 5000000000 is out of range",
            "{\"request\":{\"model\":7}}|model: expected a string, found a whole number",
            "{\"request\":{\"messages\":{}}}|messages: expected an array, found an object",
            "{\"request\":\"r\"}|request: expected an object, found a string",
            "[1]|WebSocketMessage must be a JSON object"})
    void wrongTypesNameTheField(String json, String message) {
        final ProtoJsonException e = assertThrows(ProtoJsonException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
