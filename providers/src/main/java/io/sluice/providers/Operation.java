package io.sluice.providers;

/**
 * One operation of a dialect's API, such as OpenAI's chat completions or Anthropic's messages: where it lives below
 * the API base and what Sluice may do with its requests and streams.
 */
public interface Operation {
    /** The path below the API base, such as {@code /chat/completions}. */
    String path();

    /** Whether it is a conversation turn, which can be translated to another dialect's. */
    boolean chat();

    /** Whether a request names its output limit as {@code max_tokens}, so a default can be added. */
    boolean takesMaxTokens();

    /** Whether a stream reports usage only when asked through {@code stream_options.include_usage}. */
    boolean takesStreamOptions();

    /** Whether its streams end with a final event Sluice knows, so one that closes without it was cut short. */
    boolean streamHasFinalEvent();
}
