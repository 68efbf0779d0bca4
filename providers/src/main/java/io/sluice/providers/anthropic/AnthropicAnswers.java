package io.sluice.providers.anthropic;

import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonTree;
import io.sluice.providers.Answer;
import io.sluice.providers.StreamDelta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Whole (not streamed) Messages answers: read into one delta, and written from an {@link Answer}. Stateless. */
final class AnthropicAnswers {
    private AnthropicAnswers() {
    }

    /** A {@code message} object as one delta; null when the JSON is not one. */
    static StreamDelta read(byte[] json, int length) {
        final Map<String, Object> message = AnthropicStreamDecoder.parse(json, length);
        if (message == null || !"message".equals(message.get("type"))) {
            return null;
        }
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final List<StreamDelta.ToolCallPiece> tools = new ArrayList<>();
        for (Object element : JsonTree.asArray(message.get("content"))) {
            final Map<String, Object> block = JsonTree.asObject(element);
            switch (String.valueOf(block.get("type"))) {
                case "text" -> content.append(JsonTree.string(block.get("text")));
                case "thinking" -> reasoning.append(JsonTree.string(block.get("thinking")));
                case "tool_use" -> tools.add(new StreamDelta.ToolCallPiece(tools.size(),
                        JsonTree.string(block.get("id")), JsonTree.string(block.get("name")),
                        JsonTree.text(block.get("input"))));
                default -> {
                }
            }
        }
        final AnthropicUsage usage = new AnthropicUsage();
        usage.read(JsonTree.asObject(message.get("usage")));
        final Object stop = message.get("stop_reason");
        return new StreamDelta(content.toString(), reasoning.toString(), List.copyOf(tools),
                stop instanceof String reason ? AnthropicStreamDecoder.finishReason(reason) : "stop",
                usage.usage(), null);
    }

    /** A {@code message} object: thinking, then text, then tool calls, as Anthropic orders them. */
    static byte[] write(Answer answer, String id, String model) {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model);
            g.writeArrayFieldStart("content");
            if (!answer.reasoning().isEmpty()) {
                g.writeStartObject();
                g.writeStringField("type", "thinking");
                g.writeStringField("thinking", answer.reasoning());
                g.writeStringField("signature", "");
                g.writeEndObject();
            }
            if (!answer.content().isEmpty() || answer.toolCalls().isEmpty() && answer.reasoning().isEmpty()) {
                g.writeStartObject();
                g.writeStringField("type", "text");
                g.writeStringField("text", answer.content());
                g.writeEndObject();
            }
            for (Answer.ToolCall call : answer.toolCalls()) {
                g.writeStartObject();
                g.writeStringField("type", "tool_use");
                g.writeStringField("id", call.id());
                g.writeStringField("name", call.name());
                g.writeFieldName("input");
                final Object input = call.arguments().isBlank() ? Map.of() : JsonTree.parseOrText(call.arguments());
                JsonTree.write(g, input instanceof Map<?, ?> ? input : Map.of());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("stop_reason", answer.finishReason() == null ? "end_turn"
                    : AnthropicStreamEncoder.stopReason(answer.finishReason()));
            g.writeNullField("stop_sequence");
            g.writeFieldName("usage");
            AnthropicUsage.write(g, answer.usage());
            g.writeEndObject();
        });
    }
}
