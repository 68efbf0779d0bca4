package io.sluice.providers.anthropic;

import com.fasterxml.jackson.core.JsonGenerator;
import io.sluice.codec.usage.Usage;

import java.io.IOException;
import java.util.Map;

/**
 * Anthropic's token counts, which a stream splits between {@code message_start} (the input) and
 * {@code message_delta} (the output, and on newer models the input again): kept here as they arrive. Anthropic's
 * {@code input_tokens} leave out the tokens read from or written to the prompt cache, which Sluice's usage counts as
 * prompt tokens, the cache reads also as cached. Not thread-safe.
 */
final class AnthropicUsage {
    private long input;
    private long cacheCreation;
    private long cacheRead;
    private long output;
    private boolean seen;

    /** Takes the counts a usage object gives; those it leaves out keep their earlier values. */
    void read(Map<String, Object> usage) {
        if (usage.isEmpty()) {
            return;
        }
        seen = true;
        input = count(usage, "input_tokens", input);
        cacheCreation = count(usage, "cache_creation_input_tokens", cacheCreation);
        cacheRead = count(usage, "cache_read_input_tokens", cacheRead);
        output = count(usage, "output_tokens", output);
    }

    /** The usage so far, or null when none was reported. */
    Usage usage() {
        if (!seen) {
            return null;
        }
        final long prompt = input + cacheCreation + cacheRead;
        return new Usage(prompt, output, prompt + output, cacheRead, 0);
    }

    private static long count(Map<String, Object> usage, String name, long previous) {
        return usage.get(name) instanceof Number number ? number.longValue() : previous;
    }

    /** A usage object in Anthropic's names; null usage writes zeros (the field is required). */
    static void write(JsonGenerator g, Usage usage) throws IOException {
        g.writeStartObject();
        if (usage == null) {
            g.writeNumberField("input_tokens", 0);
            g.writeNumberField("output_tokens", 0);
        } else {
            g.writeNumberField("input_tokens", usage.promptTokens() - usage.cachedTokens());
            g.writeNumberField("cache_read_input_tokens", usage.cachedTokens());
            g.writeNumberField("output_tokens", usage.completionTokens());
        }
        g.writeEndObject();
    }
}
