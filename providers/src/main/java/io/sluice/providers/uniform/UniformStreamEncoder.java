package io.sluice.providers.uniform;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;

/**
 * Writes the uniform stream (DESIGN.md §3): {@code token} events numbered from 1, {@code reasoning},
 * {@code tool_call} pieces as the backend sent them, and one {@code end} with the finish reason, the usage, the
 * model, the provider and the trace id. One per stream, on its event loop.
 */
final class UniformStreamEncoder implements StreamEncoder {
    private final UniformFormat format;
    private final Served served;
    private int tokens;
    private String finishReason;
    private Usage usage;

    UniformStreamEncoder(UniformFormat format, Served served) {
        this.format = format;
        this.served = served;
    }

    @Override
    public void delta(StreamDelta delta, ByteBuf out) {
        if (delta.usage() != null) {
            usage = delta.usage();
        }
        if (delta.finishReason() != null) {
            finishReason = delta.finishReason();
        }
        if (!delta.reasoning().isEmpty()) {
            format.write(out, "reasoning", g -> g.writeStringField("text", delta.reasoning()));
        }
        if (!delta.content().isEmpty()) {
            final int index = ++tokens;
            format.write(out, "token", g -> {
                g.writeStringField("token", delta.content());
                g.writeNumberField("index", index);
            });
        }
        for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
            format.write(out, "tool_call", g -> {
                g.writeNumberField("index", piece.index());
                g.writeStringField("id", piece.id());
                g.writeStringField("name", piece.name());
                g.writeStringField("arguments", piece.arguments());
            });
        }
    }

    @Override
    public void end(ByteBuf out) {
        format.write(out, "end", g -> {
            g.writeStringField("finish_reason", finishReason == null ? "stop" : finishReason);
            UniformAnswers.writeUsage(g, usage);
            g.writeStringField("model", served.model());
            g.writeStringField("provider", served.provider());
            g.writeStringField("trace_id", served.id());
        });
    }
}
