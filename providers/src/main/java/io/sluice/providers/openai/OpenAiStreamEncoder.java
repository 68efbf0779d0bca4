package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.sluice.codec.json.Json;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.SseEvents;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;

import java.io.IOException;

/**
 * Writes a chat completions stream for an OpenAI client from another dialect's deltas: a
 * {@code chat.completion.chunk} per delta (the first with {@code role}), one with the finish reason, the usage-only
 * chunk when the client asked for {@code stream_options.include_usage}, and {@code [DONE]}. Reasoning text goes in
 * {@code reasoning_content}, as vLLM and DeepSeek send it. One per stream, on its event loop.
 */
final class OpenAiStreamEncoder implements StreamEncoder {
    private final String id;
    private final String model;
    private final long created = System.currentTimeMillis() / 1000;
    private final boolean includeUsage;
    private boolean roleSent;
    private boolean finished;
    private Usage usage;

    OpenAiStreamEncoder(String id, String model, boolean includeUsage) {
        this.id = id;
        this.model = model;
        this.includeUsage = includeUsage;
    }

    /** The client already has the role delta: a stream relayed to it goes on here. */
    void roleSent() {
        roleSent = true;
    }

    @Override
    public void delta(StreamDelta delta, ByteBuf out) {
        if (delta.usage() != null) {
            usage = delta.usage();
        }
        if (delta.hasOutput() || !roleSent) {
            chunk(out, g -> {
                g.writeObjectFieldStart("delta");
                if (!roleSent) {
                    g.writeStringField("role", "assistant");
                }
                if (!delta.content().isEmpty() || !roleSent && !delta.hasOutput()) {
                    g.writeStringField("content", delta.content());
                }
                if (!delta.reasoning().isEmpty()) {
                    g.writeStringField("reasoning_content", delta.reasoning());
                }
                if (!delta.toolCalls().isEmpty()) {
                    writeToolCalls(g, delta);
                }
                g.writeEndObject();
                g.writeNullField("finish_reason");
            });
            roleSent = true;
        }
        if (delta.finishReason() != null && !finished) {
            finished = true;
            chunk(out, g -> {
                g.writeObjectFieldStart("delta");
                g.writeEndObject();
                g.writeStringField("finish_reason", delta.finishReason());
            });
        }
    }

    private static void writeToolCalls(JsonGenerator g, StreamDelta delta) throws IOException {
        g.writeArrayFieldStart("tool_calls");
        for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
            g.writeStartObject();
            g.writeNumberField("index", piece.index());
            if (!piece.id().isEmpty()) {
                g.writeStringField("id", piece.id());
                g.writeStringField("type", "function");
            }
            g.writeObjectFieldStart("function");
            if (!piece.name().isEmpty()) {
                g.writeStringField("name", piece.name());
            }
            g.writeStringField("arguments", piece.arguments());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    @Override
    public void end(ByteBuf out) {
        if (includeUsage && usage != null) {
            SseEvents.write(out, null, g -> {
                head(g);
                g.writeArrayFieldStart("choices");
                g.writeEndArray();
                g.writeFieldName("usage");
                OpenAiAnswers.writeUsage(g, usage);
                g.writeEndObject();
            });
        }
        SseEvents.writeRaw(out, "[DONE]");
    }

    /** A chunk with one choice, whose fields {@code choice} writes. */
    private void chunk(ByteBuf out, Json.Document choice) {
        SseEvents.write(out, null, g -> {
            head(g);
            g.writeArrayFieldStart("choices");
            g.writeStartObject();
            g.writeNumberField("index", 0);
            choice.write(g);
            g.writeEndObject();
            g.writeEndArray();
            if (includeUsage) {
                g.writeNullField("usage");
            }
            g.writeEndObject();
        });
    }

    private void head(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", "chat.completion.chunk");
        g.writeNumberField("created", created);
        g.writeStringField("model", model);
    }
}
