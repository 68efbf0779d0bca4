package io.sluice.providers;

import io.sluice.codec.usage.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A whole answer gathered from {@link StreamDelta}s, for a client that asked for no stream: text, reasoning text,
 * tool calls in index order, the finish reason and the usage. Not thread-safe; one per request.
 */
public final class Answer {
    /** A tool call as gathered so far. */
    public static final class ToolCall {
        private final int index;
        private final StringBuilder id = new StringBuilder();
        private final StringBuilder name = new StringBuilder();
        private final StringBuilder arguments = new StringBuilder();

        private ToolCall(int index) {
            this.index = index;
        }

        /** Its index in the stream's numbering of tool calls. */
        public int index() {
            return index;
        }

        public String id() {
            return id.toString();
        }

        public String name() {
            return name.toString();
        }

        public String arguments() {
            return arguments.toString();
        }
    }

    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final Map<Integer, ToolCall> toolCalls = new TreeMap<>();
    private String finishReason;
    private Usage usage;

    public void add(StreamDelta delta) {
        content.append(delta.content());
        reasoning.append(delta.reasoning());
        for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
            final ToolCall call = toolCalls.computeIfAbsent(piece.index(), ToolCall::new);
            call.id.append(piece.id());
            call.name.append(piece.name());
            call.arguments.append(piece.arguments());
        }
        if (delta.finishReason() != null) {
            finishReason = delta.finishReason();
        }
        if (delta.usage() != null) {
            usage = delta.usage();
        }
    }

    public String content() {
        return content.toString();
    }

    public String reasoning() {
        return reasoning.toString();
    }

    public List<ToolCall> toolCalls() {
        return new ArrayList<>(toolCalls.values());
    }

    /** The finish reason in OpenAI's terms ({@code stop}, {@code length}, {@code tool_calls}...), or null. */
    public String finishReason() {
        return finishReason;
    }

    /** The usage reported, or null. */
    public Usage usage() {
        return usage;
    }
}
