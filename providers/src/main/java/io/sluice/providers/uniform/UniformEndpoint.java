package io.sluice.providers.uniform;

import io.sluice.providers.Operation;

/**
 * The operations of Sluice's own uniform API (seed 001): one answer format for every provider. No backend speaks
 * it, so every request is translated: these are all conversation turns.
 */
public enum UniformEndpoint implements Operation {
    /** One normalised JSON answer. */
    CHAT("/llm/chat"),
    /** The uniform events, as Server-Sent Events or JSON lines. */
    STREAM("/llm/stream"),
    /** A prompt rather than messages, answered like {@link #CHAT}. */
    COMPLETIONS("/llm/completions");

    private final String path;

    UniformEndpoint(String path) {
        this.path = path;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public boolean chat() {
        return true;
    }

    @Override
    public boolean takesMaxTokens() {
        return true;
    }

    @Override
    public boolean takesStreamOptions() {
        return false;
    }

    @Override
    public boolean streamHasFinalEvent() {
        return true;
    }
}
