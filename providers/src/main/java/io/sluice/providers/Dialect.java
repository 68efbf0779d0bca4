package io.sluice.providers;

import io.sluice.providers.anthropic.AnthropicCodec;
import io.sluice.providers.openai.OpenAiCodec;

/** The wire protocols of model APIs: what a client speaks to Sluice and what a backend speaks to Sluice. */
public enum Dialect {
    /** OpenAI's chat completions, completions, embeddings and responses, and the servers that copy them. */
    OPENAI,
    /** Anthropic's Messages API. */
    ANTHROPIC;

    /** How Sluice reads, writes and translates this dialect. */
    public DialectCodec codec() {
        return switch (this) {
            case OPENAI -> OpenAiCodec.INSTANCE;
            case ANTHROPIC -> AnthropicCodec.INSTANCE;
        };
    }
}
