package io.sluice.providers;

import io.sluice.codec.usage.Usage;

import java.util.List;

/**
 * What one event of a model's stream adds, in no provider's format: text, reasoning text, pieces of tool calls,
 * the finish reason when the model stopped, the usage when it was reported, or an error the backend sent in the
 * stream. Empty strings and lists mean nothing of that kind; null means not present.
 */
public record StreamDelta(String content, String reasoning, List<ToolCallPiece> toolCalls, String finishReason,
                          Usage usage, String error) {

    /** Part of a tool call: the call at {@code index} gets its id and name first, then arguments in pieces. */
    public record ToolCallPiece(int index, String id, String name, String arguments) {
    }

    /** Whether the event carries anything a client would see as output. */
    public boolean hasOutput() {
        return !content.isEmpty() || !reasoning.isEmpty() || !toolCalls.isEmpty();
    }
}
