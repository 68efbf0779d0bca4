package io.sluice.providers.anthropic;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.SseEvents;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;
import io.sluice.providers.StreamPosition;

/**
 * Writes a Messages stream for an Anthropic client from another dialect's deltas: {@code message_start} and a
 * {@code ping}, then a content block per run of one kind of output (a {@code thinking} block for reasoning text, a
 * {@code text} block, a {@code tool_use} block per tool call with its arguments as {@code input_json_delta}s), each
 * opened with {@code content_block_start} and closed with {@code content_block_stop} when another kind begins; at
 * the end {@code message_delta} with the stop reason and the usage, and {@code message_stop}. The usage comes last
 * from an OpenAI backend, so {@code message_start} carries zeros and {@code message_delta} the real counts. Thinking
 * blocks carry no signature: the backend gave none. One per stream, on its event loop.
 */
final class AnthropicStreamEncoder implements StreamEncoder {
    private enum Block { NONE, TEXT, THINKING, TOOL }

    private final String id;
    private final String model;
    private boolean started;
    private Block open = Block.NONE;
    /** The tool call index of the open tool_use block. */
    private int openTool = -1;
    private int nextBlock;
    private String stopReason;
    private Usage usage;

    AnthropicStreamEncoder(String id, String model) {
        this.id = id;
        this.model = model;
    }

    /**
     * The client was relayed a Messages stream up to {@code position}: its {@code message_start} and blocks are not
     * written again, and an open text or thinking block goes on. Another open block (a tool's, a server tool's) is
     * left as it is and the next one takes the following index.
     */
    void resume(StreamPosition position) {
        started = position.started();
        nextBlock = position.block();
        if ("text".equals(position.openBlock())) {
            open = Block.TEXT;
        } else if ("thinking".equals(position.openBlock())) {
            open = Block.THINKING;
        } else if (position.openBlock() != null) {
            nextBlock++;
        }
    }

    @Override
    public void delta(StreamDelta delta, ByteBuf out) {
        start(out);
        if (delta.usage() != null) {
            usage = delta.usage();
        }
        if (!delta.reasoning().isEmpty()) {
            open(Block.THINKING, -1, out, null, null);
            blockDelta(out, "thinking_delta", "thinking", delta.reasoning());
        }
        if (!delta.content().isEmpty()) {
            open(Block.TEXT, -1, out, null, null);
            blockDelta(out, "text_delta", "text", delta.content());
        }
        for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
            open(Block.TOOL, piece.index(), out, piece.id(), piece.name());
            if (!piece.arguments().isEmpty()) {
                blockDelta(out, "input_json_delta", "partial_json", piece.arguments());
            }
        }
        if (delta.finishReason() != null) {
            stopReason = stopReason(delta.finishReason());
        }
    }

    @Override
    public void end(ByteBuf out) {
        start(out);
        close(out);
        SseEvents.write(out, "message_delta", g -> {
            g.writeStartObject();
            g.writeStringField("type", "message_delta");
            g.writeObjectFieldStart("delta");
            g.writeStringField("stop_reason", stopReason == null ? "end_turn" : stopReason);
            g.writeNullField("stop_sequence");
            g.writeEndObject();
            g.writeFieldName("usage");
            AnthropicUsage.write(g, usage);
            g.writeEndObject();
        });
        SseEvents.write(out, "message_stop", g -> {
            g.writeStartObject();
            g.writeStringField("type", "message_stop");
            g.writeEndObject();
        });
    }

    private void start(ByteBuf out) {
        if (started) {
            return;
        }
        started = true;
        SseEvents.write(out, "message_start", g -> {
            g.writeStartObject();
            g.writeStringField("type", "message_start");
            g.writeObjectFieldStart("message");
            g.writeStringField("id", id);
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model);
            g.writeArrayFieldStart("content");
            g.writeEndArray();
            g.writeNullField("stop_reason");
            g.writeNullField("stop_sequence");
            g.writeFieldName("usage");
            AnthropicUsage.write(g, null);
            g.writeEndObject();
            g.writeEndObject();
        });
        SseEvents.write(out, "ping", g -> {
            g.writeStartObject();
            g.writeStringField("type", "ping");
            g.writeEndObject();
        });
    }

    /** Makes a block of that kind (and, for a tool, that call) the open one, closing another first. */
    private void open(Block kind, int tool, ByteBuf out, String toolId, String toolName) {
        if (open == kind && (kind != Block.TOOL || openTool == tool)) {
            return;
        }
        close(out);
        open = kind;
        openTool = tool;
        final int index = nextBlock;
        SseEvents.write(out, "content_block_start", g -> {
            g.writeStartObject();
            g.writeStringField("type", "content_block_start");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("content_block");
            switch (kind) {
                case TEXT -> {
                    g.writeStringField("type", "text");
                    g.writeStringField("text", "");
                }
                case THINKING -> {
                    g.writeStringField("type", "thinking");
                    g.writeStringField("thinking", "");
                    g.writeStringField("signature", "");
                }
                default -> {
                    g.writeStringField("type", "tool_use");
                    g.writeStringField("id", toolId);
                    g.writeStringField("name", toolName);
                    g.writeObjectFieldStart("input");
                    g.writeEndObject();
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    private void close(ByteBuf out) {
        if (open == Block.NONE) {
            return;
        }
        final int index = nextBlock++;
        open = Block.NONE;
        openTool = -1;
        SseEvents.write(out, "content_block_stop", g -> {
            g.writeStartObject();
            g.writeStringField("type", "content_block_stop");
            g.writeNumberField("index", index);
            g.writeEndObject();
        });
    }

    private void blockDelta(ByteBuf out, String type, String field, String text) {
        final int index = nextBlock;
        SseEvents.write(out, "content_block_delta", g -> {
            g.writeStartObject();
            g.writeStringField("type", "content_block_delta");
            g.writeNumberField("index", index);
            g.writeObjectFieldStart("delta");
            g.writeStringField("type", type);
            g.writeStringField(field, text);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** An OpenAI finish reason in Anthropic's terms. */
    static String stopReason(String finishReason) {
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }
}
