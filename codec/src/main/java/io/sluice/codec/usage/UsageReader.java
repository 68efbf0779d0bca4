package io.sluice.codec.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;

import java.io.IOException;

/**
 * Reads token usage out of a small JSON document with jackson-core's streaming parser (no tree).
 *
 * <p>It understands the OpenAI chat and completions names ({@code prompt_tokens}, {@code completion_tokens},
 * {@code prompt_tokens_details.cached_tokens}, {@code completion_tokens_details.reasoning_tokens}) and the
 * Responses API names ({@code input_tokens}, {@code output_tokens} and their {@code _details}), at the top level
 * or under {@code response} (the Responses API's {@code response.completed} event). Anthropic's prompt-cache counts
 * ({@code cache_read_input_tokens}, {@code cache_creation_input_tokens}), which its {@code input_tokens} leave out,
 * are added to the prompt, the reads also counted as cached; beside {@code prompt_tokens} (a proxy's usage, which
 * counts them already) they are not.
 */
public final class UsageReader {
    private UsageReader() {
    }

    /** Reads the data of one stream event; null when it is not a JSON object with a usage object. */
    public static EventUsage readEvent(byte[] json, int length) {
        try (JsonParser parser = Json.FACTORY.createParser(json, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Usage usage = null;
            boolean choicesEmpty = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String name = parser.currentName();
                final JsonToken value = parser.nextToken();
                if (value == JsonToken.START_OBJECT && name.equals("usage")) {
                    usage = readUsageObject(parser);
                } else if (value == JsonToken.START_OBJECT && name.equals("response")) {
                    final Usage nested = readNestedUsage(parser);
                    usage = nested != null ? nested : usage;
                } else if (value == JsonToken.START_ARRAY && name.equals("choices")) {
                    choicesEmpty = parser.nextToken() == JsonToken.END_ARRAY;
                    if (!choicesEmpty) {
                        skipRestOfArray(parser);
                    }
                } else {
                    parser.skipChildren();
                }
            }
            return usage == null ? null : new EventUsage(usage, choicesEmpty);
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads a usage object itself ({@code {"prompt_tokens":...}}); null when it is not one. */
    public static Usage readUsage(byte[] json, int length) {
        try (JsonParser parser = Json.FACTORY.createParser(json, 0, length)) {
            return parser.nextToken() == JsonToken.START_OBJECT ? readUsageObject(parser) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Skips from the current element of an array to the array's end. */
    private static void skipRestOfArray(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        while (token != JsonToken.END_ARRAY && token != null) {
            parser.skipChildren();
            token = parser.nextToken();
        }
    }

    private static Usage readNestedUsage(JsonParser parser) throws IOException {
        Usage usage = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String name = parser.currentName();
            if (parser.nextToken() == JsonToken.START_OBJECT && name.equals("usage")) {
                usage = readUsageObject(parser);
            } else {
                parser.skipChildren();
            }
        }
        return usage;
    }

    /** Reads the fields of a usage object; the parser is on its START_OBJECT and ends on its END_OBJECT. */
    public static Usage readUsageObject(JsonParser parser) throws IOException {
        long prompt = 0;
        long completion = 0;
        long total = -1;
        long cached = 0;
        long cacheRead = 0;
        long cacheCreation = 0;
        boolean openAiNames = false;
        long reasoning = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String name = parser.currentName();
            final JsonToken value = parser.nextToken();
            switch (name) {
                case "prompt_tokens" -> {
                    prompt = parser.getValueAsLong();
                    openAiNames = true;
                }
                case "input_tokens" -> prompt = parser.getValueAsLong();
                case "completion_tokens", "output_tokens" -> completion = parser.getValueAsLong();
                case "total_tokens" -> total = parser.getValueAsLong();
                case "cache_read_input_tokens" -> cacheRead = parser.getValueAsLong();
                case "cache_creation_input_tokens" -> cacheCreation = parser.getValueAsLong();
                case "prompt_tokens_details", "input_tokens_details" ->
                        cached = value == JsonToken.START_OBJECT ? readDetail(parser, "cached_tokens") : cached;
                case "completion_tokens_details", "output_tokens_details" ->
                        reasoning = value == JsonToken.START_OBJECT ? readDetail(parser, "reasoning_tokens") : reasoning;
                default -> parser.skipChildren();
            }
        }
        if (!openAiNames) {
            // Anthropic's input_tokens leave the cache out; a proxy that reports prompt_tokens counted it already.
            prompt += cacheRead + cacheCreation;
            cached += cacheRead;
        } else {
            cached = Math.max(cached, cacheRead);
        }
        return new Usage(prompt, completion, total >= 0 ? total : prompt + completion, cached, reasoning);
    }

    private static long readDetail(JsonParser parser, String field) throws IOException {
        long result = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String name = parser.currentName();
            parser.nextToken();
            if (name.equals(field)) {
                result = parser.getValueAsLong();
            } else {
                parser.skipChildren();
            }
        }
        return result;
    }
}
