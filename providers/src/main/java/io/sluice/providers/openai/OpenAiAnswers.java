package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Answer;

import java.io.IOException;

/** Writes a whole {@code chat.completion} for an OpenAI client from an {@link Answer} of another dialect. Stateless. */
final class OpenAiAnswers {
    private OpenAiAnswers() {
    }

    static byte[] write(Answer answer, String id, String model) {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion");
            g.writeNumberField("created", System.currentTimeMillis() / 1000);
            g.writeStringField("model", model);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            // OpenAI sends null content beside tool calls.
            g.writeStringField("content", answer.content().isEmpty() && !answer.toolCalls().isEmpty()
                    ? null : answer.content());
            if (!answer.reasoning().isEmpty()) {
                g.writeStringField("reasoning_content", answer.reasoning());
            }
            if (!answer.toolCalls().isEmpty()) {
                g.writeArrayFieldStart("tool_calls");
                for (Answer.ToolCall call : answer.toolCalls()) {
                    g.writeStartObject();
                    g.writeStringField("id", call.id());
                    g.writeStringField("type", "function");
                    g.writeObjectFieldStart("function");
                    g.writeStringField("name", call.name());
                    g.writeStringField("arguments", call.arguments());
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeNullField("logprobs");
            g.writeStringField("finish_reason", answer.finishReason() == null ? "stop" : answer.finishReason());
            g.writeEndObject();
            g.writeEndArray();
            if (answer.usage() != null) {
                g.writeFieldName("usage");
                writeUsage(g, answer.usage());
            }
            g.writeEndObject();
        });
    }

    /** A usage object in OpenAI's names, with the cached and reasoning details. */
    static void writeUsage(JsonGenerator g, Usage usage) throws IOException {
        g.writeStartObject();
        g.writeNumberField("prompt_tokens", usage.promptTokens());
        g.writeNumberField("completion_tokens", usage.completionTokens());
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeObjectFieldStart("prompt_tokens_details");
        g.writeNumberField("cached_tokens", usage.cachedTokens());
        g.writeEndObject();
        g.writeObjectFieldStart("completion_tokens_details");
        g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
        g.writeEndObject();
        g.writeEndObject();
    }
}
