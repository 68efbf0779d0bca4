package io.sluice.providers.openai;

import io.sluice.providers.Operation;

/**
 * The OpenAI API operations Sluice proxies, each with its path below the API's base ({@code /v1} on OpenAI).
 */
public enum OpenAiEndpoint implements Operation {
    CHAT_COMPLETIONS("/chat/completions", true),
    COMPLETIONS("/completions", true),
    EMBEDDINGS("/embeddings", false),
    RESPONSES("/responses", false);

    private final String path;
    private final boolean takesStreamOptions;

    OpenAiEndpoint(String path, boolean takesStreamOptions) {
        this.path = path;
        this.takesStreamOptions = takesStreamOptions;
    }

    @Override
    public String path() {
        return path;
    }

    /**
     * Whether a stream reports usage only when asked through {@code stream_options.include_usage}. The Responses
     * API always reports it, in {@code response.completed}.
     */
    @Override
    public boolean takesStreamOptions() {
        return takesStreamOptions;
    }

    /**
     * Whether its streams end with a finish reason and {@code data: [DONE]} ({@link OpenAiStreamEnd}); a Responses
     * stream ends with {@code response.completed} instead.
     */
    @Override
    public boolean streamHasFinalEvent() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS;
    }

    /** Whether a request names its output limit as {@code max_tokens} (the Responses API has another name). */
    @Override
    public boolean takesMaxTokens() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS;
    }

    /** Chat completions: the one a request of another dialect is translated to. */
    @Override
    public boolean chat() {
        return this == CHAT_COMPLETIONS;
    }

    /** The operation at {@code path} below the API base, or null. */
    public static OpenAiEndpoint forPath(String path) {
        for (OpenAiEndpoint endpoint : values()) {
            if (endpoint.path.equals(path)) {
                return endpoint;
            }
        }
        return null;
    }
}
