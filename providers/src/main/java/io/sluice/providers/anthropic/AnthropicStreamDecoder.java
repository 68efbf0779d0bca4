package io.sluice.providers.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDecoder;
import io.sluice.providers.StreamPosition;
import io.sluice.providers.StreamDelta;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an Anthropic Messages stream into deltas. Each event's data is one small JSON object, read into a tree of
 * its own (the events are small, and their {@code type} need not come first); nothing of the stream is kept but
 * which content block is which tool call, and the usage so far. Text deltas become content, thinking deltas
 * reasoning, {@code tool_use} blocks and their {@code input_json_delta}s tool-call pieces numbered in the order the
 * blocks came; signatures, citations and server tools' blocks are left out. {@code message_delta} gives the finish
 * reason (in OpenAI's terms) and the usage; {@code message_stop} ends the stream; an {@code error} event becomes
 * the delta's error.
 */
final class AnthropicStreamDecoder implements StreamDecoder {
    /** Content block index → the tool call's index among this answer's tool calls. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private final AnthropicUsage usage = new AnthropicUsage();
    private boolean ended;
    private Served served;
    /** The blocks the stream opened: the open one's index and type (null when none is open), the next index. */
    private int openIndex;
    private String openType;
    private int nextIndex;

    @Override
    public StreamDelta decode(byte[] data, int length) {
        final Map<String, Object> event = parse(data, length);
        if (event == null) {
            return null;
        }
        final Object type = event.get("type");
        if (!(type instanceof String name)) {
            return null;
        }
        return switch (name) {
            case "message_start" -> {
                final Map<String, Object> message = JsonTree.asObject(event.get("message"));
                served = new Served(JsonTree.string(message.get("id")), JsonTree.string(message.get("model")), null);
                usage.read(JsonTree.asObject(message.get("usage")));
                yield usageOnly();
            }
            case "content_block_start" -> {
                final Map<String, Object> block = JsonTree.asObject(event.get("content_block"));
                openIndex = index(event);
                openType = JsonTree.string(block.get("type"));
                yield blockStart(openIndex, block);
            }
            case "content_block_stop" -> {
                openType = null;
                nextIndex = index(event) + 1;
                yield null;
            }
            case "content_block_delta" -> blockDelta(index(event), JsonTree.asObject(event.get("delta")));
            case "message_delta" -> {
                usage.read(JsonTree.asObject(event.get("usage")));
                final Object stop = JsonTree.asObject(event.get("delta")).get("stop_reason");
                yield delta("", "", List.of(), stop instanceof String reason ? finishReason(reason) : null,
                        usage.usage(), null);
            }
            case "message_stop" -> {
                ended = true;
                yield null;
            }
            case "error" -> delta("", "", List.of(), null, null, errorMessage(event));
            default -> null;
        };
    }

    @Override
    public boolean ended() {
        return ended;
    }

    @Override
    public Served served() {
        return served;
    }

    @Override
    public StreamPosition position() {
        return openType != null ? new StreamPosition(served != null, openIndex, openType)
                : new StreamPosition(served != null, nextIndex, null);
    }

    private StreamDelta blockStart(int index, Map<String, Object> block) {
        final Object type = block.get("type");
        if ("text".equals(type)) {
            return block.get("text") instanceof String text && !text.isEmpty() ? content(text) : null;
        }
        if ("thinking".equals(type)) {
            return block.get("thinking") instanceof String text && !text.isEmpty()
                    ? delta("", text, List.of(), null, null, null) : null;
        }
        if ("tool_use".equals(type)) {
            final int tool = toolBlocks.size();
            toolBlocks.put(index, tool);
            final Object input = block.get("input");
            final String arguments = input instanceof Map<?, ?> object && object.isEmpty() ? ""
                    : JsonTree.text(input);
            return delta("", "", List.of(new StreamDelta.ToolCallPiece(tool, JsonTree.string(block.get("id")),
                    JsonTree.string(block.get("name")), arguments)), null, null, null);
        }
        return null;
    }

    private StreamDelta blockDelta(int index, Map<String, Object> delta) {
        final Object type = delta.get("type");
        if ("text_delta".equals(type)) {
            return content(JsonTree.string(delta.get("text")));
        }
        if ("thinking_delta".equals(type)) {
            return delta("", JsonTree.string(delta.get("thinking")), List.of(), null, null, null);
        }
        if ("input_json_delta".equals(type) && toolBlocks.containsKey(index)) {
            final String json = JsonTree.string(delta.get("partial_json"));
            return json.isEmpty() ? null : delta("", "", List.of(new StreamDelta.ToolCallPiece(
                    toolBlocks.get(index), "", "", json)), null, null, null);
        }
        return null;
    }

    private StreamDelta usageOnly() {
        final Usage so = usage.usage();
        return so == null ? null : delta("", "", List.of(), null, so, null);
    }

    /** Anthropic's stop reason in OpenAI's terms, which every front's stop reasons are mapped from. */
    static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }

    private static String errorMessage(Map<String, Object> event) {
        final Map<String, Object> error = JsonTree.asObject(event.get("error"));
        final String message = JsonTree.string(error.get("message"));
        return message.isEmpty() ? "the backend reported an error" : message;
    }

    private static int index(Map<String, Object> event) {
        return event.get("index") instanceof Number number ? number.intValue() : -1;
    }

    private static StreamDelta content(String text) {
        return delta(text, "", List.of(), null, null, null);
    }

    private static StreamDelta delta(String content, String reasoning, List<StreamDelta.ToolCallPiece> tools,
                                     String finishReason, Usage usage, String error) {
        return new StreamDelta(content, reasoning, tools, finishReason, usage, error);
    }

    /** The event's data as a tree, or null when it is not a JSON object. */
    static Map<String, Object> parse(byte[] data, int length) {
        try (JsonParser p = Json.FACTORY.createParser(data, 0, length)) {
            return p.nextToken() == JsonToken.START_OBJECT ? JsonTree.asObject(JsonTree.read(p)) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
