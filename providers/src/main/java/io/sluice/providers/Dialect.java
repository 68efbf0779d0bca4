package io.sluice.providers;

/** The wire language of a backend or a client: what its requests, streams and errors look like. */
public enum Dialect {
    /** OpenAI's REST API: chat completions, completions, embeddings, responses, and SSE with {@code data:} lines. */
    OPENAI
}
