package io.sluice.codec.usage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The counts of one usage object as its fields are read, by whichever reader reads them ({@link UsageReader}'s
 * Jackson parse or {@link PlainUsageReader}), and the {@link Usage} they make: the one place that says what each field
 * of a usage object counts. Made per object, on the thread that reads it.
 */
final class UsageCounts {
    /** A field of a usage object that Sluice counts; any other is passed over. */
    enum Field {
        PROMPT_TOKENS("prompt_tokens"),
        INPUT_TOKENS("input_tokens"),
        COMPLETION_TOKENS("completion_tokens"),
        OUTPUT_TOKENS("output_tokens"),
        TOTAL_TOKENS("total_tokens"),
        CACHE_READ_INPUT_TOKENS("cache_read_input_tokens"),
        CACHE_CREATION_INPUT_TOKENS("cache_creation_input_tokens"),
        PROMPT_TOKENS_DETAILS("prompt_tokens_details"),
        INPUT_TOKENS_DETAILS("input_tokens_details"),
        COMPLETION_TOKENS_DETAILS("completion_tokens_details"),
        OUTPUT_TOKENS_DETAILS("output_tokens_details");

        private static final Field[] ALL = values();

        final String key;
        private final byte[] ascii;

        Field(String key) {
            this.key = key;
            this.ascii = key.getBytes(StandardCharsets.US_ASCII);
        }

        /** Whether its value is an object of details, whose one counted field {@link #detail()} names. */
        boolean hasDetails() {
            return ordinal() >= PROMPT_TOKENS_DETAILS.ordinal();
        }

        /** The field counted inside this field's object of details. */
        String detail() {
            return this == PROMPT_TOKENS_DETAILS || this == INPUT_TOKENS_DETAILS ? "cached_tokens" : "reasoning_tokens";
        }

        /** The field named {@code key}, or null for one Sluice does not count. */
        static Field of(String key) {
            for (Field field : ALL) {
                if (field.key.equals(key)) {
                    return field;
                }
            }
            return null;
        }

        /** The field named by the bytes {@code [from, to)} of {@code json} (a key without escapes), or null. */
        static Field of(byte[] json, int from, int to) {
            for (Field field : ALL) {
                if (Arrays.equals(field.ascii, 0, field.ascii.length, json, from, to)) {
                    return field;
                }
            }
            return null;
        }
    }

    private long prompt;
    private long completion;
    private long total = -1;
    private long cached;
    private long cacheRead;
    private long cacheCreation;
    private boolean openAiNames;
    private long reasoning;

    /**
     * A field's value: a count, or for a field of details the count inside it ({@link Field#detail()}, 0 when the
     * object does not give it). A field given twice counts as its last value says.
     */
    void set(Field field, long value) {
        switch (field) {
            case PROMPT_TOKENS -> {
                prompt = value;
                openAiNames = true;
            }
            case INPUT_TOKENS -> prompt = value;
            case COMPLETION_TOKENS, OUTPUT_TOKENS -> completion = value;
            case TOTAL_TOKENS -> total = value;
            case CACHE_READ_INPUT_TOKENS -> cacheRead = value;
            case CACHE_CREATION_INPUT_TOKENS -> cacheCreation = value;
            case PROMPT_TOKENS_DETAILS, INPUT_TOKENS_DETAILS -> cached = value;
            case COMPLETION_TOKENS_DETAILS, OUTPUT_TOKENS_DETAILS -> reasoning = value;
        }
    }

    Usage usage() {
        long prompt = this.prompt;
        long cached = this.cached;
        if (!openAiNames) {
            // Anthropic's input_tokens leave the cache out; a proxy that reports prompt_tokens counted it already.
            prompt += cacheRead + cacheCreation;
            cached += cacheRead;
        } else {
            cached = Math.max(cached, cacheRead);
        }
        return new Usage(prompt, completion, total >= 0 ? total : prompt + completion, cached, reasoning);
    }
}
