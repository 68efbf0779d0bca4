package io.sluice.providers;

/**
 * How a kind of backend goes on with a partial answer it is given as the conversation's final assistant message,
 * so that a stream broken half-way can be finished by another backend without an instruction prompt. What a
 * config's provider {@code continuation} names; a kind's own in its {@link Capabilities}.
 */
public enum Continuation {
    /** It cannot (OpenAI, Azure OpenAI, OpenRouter): a final assistant message is answered, not continued. */
    NONE("none"),
    /**
     * vLLM and SGLang: {@code continue_final_message: true} with {@code add_generation_prompt: false}, said
     * explicitly (the latter defaults to true, and the two together are refused).
     */
    CONTINUE_FINAL_MESSAGE("continue_final_message"),
    /**
     * TGI, Ollama and Anthropic models that accept prefill: a final assistant message is continued as it is. Never
     * with reasoning (Anthropic refuses prefill with extended thinking).
     */
    PREFILL("prefill"),
    /** DeepSeek and Mistral: {@code prefix: true} on the final assistant message. */
    PREFIX("prefix");

    private final String configName;

    Continuation(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
