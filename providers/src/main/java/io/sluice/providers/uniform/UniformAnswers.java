package io.sluice.providers.uniform;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.json.Json;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Answer;
import io.sluice.providers.Served;

import java.io.IOException;

/**
 * The uniform API's whole answer ({@code /llm/chat}, {@code /llm/completions}): content, reasoning, tool calls,
 * finish reason, usage, model, provider and trace id, the same fields whatever the backend's dialect. Stateless.
 */
final class UniformAnswers {
    private UniformAnswers() {
    }

    static byte[] write(Answer answer, Served served) {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("content", answer.content());
            if (!answer.reasoning().isEmpty()) {
                g.writeStringField("reasoning", answer.reasoning());
            }
            g.writeArrayFieldStart("tool_calls");
            for (Answer.ToolCall call : answer.toolCalls()) {
                g.writeStartObject();
                g.writeNumberField("index", call.index());
                g.writeStringField("id", call.id());
                g.writeStringField("name", call.name());
                g.writeStringField("arguments", call.arguments());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("finish_reason", answer.finishReason() == null ? "stop" : answer.finishReason());
            writeUsage(g, answer.usage());
            g.writeStringField("model", served.model());
            g.writeStringField("provider", served.provider());
            g.writeStringField("trace_id", served.id());
            g.writeEndObject();
        });
    }

    /** The usage field, or null when the backend reported none (never a made-up count). */
    static void writeUsage(JsonGenerator g, Usage usage) throws IOException {
        if (usage == null) {
            g.writeNullField("usage");
            return;
        }
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", usage.promptTokens());
        g.writeNumberField("completion_tokens", usage.completionTokens());
        g.writeNumberField("total_tokens", usage.totalTokens());
        g.writeNumberField("cached_tokens", usage.cachedTokens());
        g.writeNumberField("reasoning_tokens", usage.reasoningTokens());
        g.writeEndObject();
    }
}
