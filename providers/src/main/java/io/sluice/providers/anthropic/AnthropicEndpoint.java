package io.sluice.providers.anthropic;

import io.sluice.providers.Operation;

/** The Anthropic API operations Sluice serves, each with its path below the API's base ({@code /v1}). */
public enum AnthropicEndpoint implements Operation {
    /** A conversation turn; its streams end with {@code message_stop}. */
    MESSAGES("/messages"),
    /** The prompt's token count, without running the model. */
    COUNT_TOKENS("/messages/count_tokens");

    private final String path;

    AnthropicEndpoint(String path) {
        this.path = path;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public boolean chat() {
        return this == MESSAGES;
    }

    @Override
    public boolean takesMaxTokens() {
        return this == MESSAGES;
    }

    /** Anthropic streams always report usage. */
    @Override
    public boolean takesStreamOptions() {
        return false;
    }

    @Override
    public boolean streamHasFinalEvent() {
        return this == MESSAGES;
    }
}
