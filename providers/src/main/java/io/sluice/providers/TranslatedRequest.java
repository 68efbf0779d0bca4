package io.sluice.providers;

import java.util.Map;

/**
 * A client's conversation turn in the OpenAI chat form, the form every translation goes through, and what the client
 * asked of the stream it gets back.
 *
 * @param openAi       the request as an OpenAI chat completions body (a {@link io.sluice.codec.json.JsonTree});
 *                     read only
 * @param stream       whether the client asked for a stream
 * @param includeUsage whether the client asked its stream to report usage
 */
public record TranslatedRequest(Map<String, Object> openAi, boolean stream, boolean includeUsage) {
}
