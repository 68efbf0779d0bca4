package io.sluice.providers;

/**
 * One model a backend lists at its model-list path.
 *
 * @param contextLength the context length it gave (vLLM's {@code max_model_len}, OpenRouter's
 *                      {@code context_length}), or -1 when it gave none
 */
public record ListedModel(String id, long contextLength) {
}
