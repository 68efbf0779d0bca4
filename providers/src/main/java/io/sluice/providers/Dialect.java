package io.sluice.providers;

/** The wire protocols of model APIs: what a client speaks to Sluice and what a backend speaks to Sluice. */
public enum Dialect {
    /** OpenAI's chat completions, completions, embeddings and responses, and the servers that copy them. */
    OPENAI
}
