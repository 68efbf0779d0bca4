package io.sluice.codec.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;

import java.io.IOException;

/**
 * Reads token usage out of a small JSON document: without a parser where it is written plainly
 * ({@link PlainUsageReader}), else with jackson-core's streaming parser (no tree).
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

    /**
     * Reads the data of one stream event; null when it is not a JSON object with a usage object. An event written
     * plainly (nearly all) is read without a parser ({@link PlainUsageReader}), any other by Jackson.
     */
    public static EventUsage readEvent(byte[] json, int length) {
        final EventUsage plain = PlainUsageReader.readEvent(json, length);
        if (plain == null) {
            return readEventWithJackson(json, length);
        }
        return plain == PlainUsageReader.NO_USAGE ? null : plain;
    }

    /** {@link #readEvent} by Jackson alone: what the plain reader must agree with. */
    static EventUsage readEventWithJackson(byte[] json, int length) {
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

    /**
     * Reads a usage object itself ({@code {"prompt_tokens":...}}); null when it is not one. An object written plainly
     * (nearly all) is read without a parser ({@link PlainUsageReader}), any other by Jackson.
     */
    public static Usage readUsage(byte[] json, int length) {
        final Usage plain = PlainUsageReader.read(json, length);
        return plain != null ? plain : readUsageWithJackson(json, length);
    }

    /** {@link #readUsage} by Jackson alone: what the plain reader must agree with. */
    static Usage readUsageWithJackson(byte[] json, int length) {
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
        final UsageCounts counts = new UsageCounts();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final UsageCounts.Field field = UsageCounts.Field.of(parser.currentName());
            final JsonToken value = parser.nextToken();
            if (field == null) {
                parser.skipChildren();
            } else if (!field.hasDetails()) {
                counts.set(field, parser.getValueAsLong());
            } else if (value == JsonToken.START_OBJECT) {
                counts.set(field, readDetail(parser, field.detail()));
            }
        }
        return counts.usage();
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
