package io.sluice.codec.json;

/**
 * The top-level fields of a request body that Sluice routes on and edits, with where they lie, so an edit can
 * splice bytes instead of re-serialising the body. Offsets count from the body's first byte; an absent field is
 * null.
 *
 * @param objectStart        the offset of the body's opening brace
 * @param model              the model name, decoded
 * @param modelValue         the model's string token, quotes included
 * @param stream             whether {@code stream} is the literal {@code true}
 * @param streamOptions      the {@code stream_options} value
 * @param streamOptionsEmpty whether {@code stream_options} is an object with no fields
 * @param includeUsage       the {@code stream_options.include_usage} value
 * @param empty              whether the body is an object with no fields (an inserted field takes no comma then)
 * @param promptStart        the offset of the value of {@code messages}, {@code prompt} or {@code input} (the first
 *                           of them), where the prompt begins, or -1
 * @param promptEnd          the offset just past that value, or -1
 * @param maxTokens          whether {@code max_tokens} or {@code max_completion_tokens} is there (null too: a
 *                           second copy added beside it would be a duplicate field)
 * @param maxTokensAsked     the larger of their values where one is a whole number, else -1
 */
public record RequestFields(int objectStart, String model, JsonValue modelValue, boolean stream,
                            JsonValue streamOptions, boolean streamOptionsEmpty, JsonValue includeUsage,
                            boolean empty, int promptStart, int promptEnd,
                            boolean maxTokens, long maxTokensAsked) {
}
