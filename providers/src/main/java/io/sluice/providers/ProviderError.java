package io.sluice.providers;

/**
 * An error a backend reported, in the terms of the OpenAI error object; absent fields are null.
 *
 * @param code a string, or a number's text (vLLM sends the status as a number)
 */
public record ProviderError(String message, String type, String code, String param) {
}
