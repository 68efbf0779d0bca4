package io.sluice.codec.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;

/**
 * Finds the top-level {@code model}, {@code stream}, {@code stream_options} and whether {@code max_tokens} is given
 * in a request body, with one pass of jackson-core's streaming parser over the buffer: no tree, no {@code String}
 * of the body. Every other value is skipped without being decoded, so a body of large messages costs one scan and
 * no allocation per message.
 *
 * <p>The whole body must be valid JSON: one object and nothing after it. A field Sluice routes on may appear only
 * once, because the backend may read a different copy than the gateway did.
 */
public final class RequestScanner {
    private RequestScanner() {
    }

    /** Scans the readable bytes of {@code body}, leaving its indexes untouched. */
    public static RequestFields scan(ByteBuf body) throws MalformedRequestException {
        final InputStream in = new ByteBufInputStream(body.duplicate());
        try (JsonParser parser = Json.FACTORY.createParser(in)) {
            return scan(parser);
        } catch (JsonProcessingException e) {
            throw new MalformedRequestException("The request body is not valid JSON: " + Json.describe(e) + ".");
        } catch (IOException e) {
            throw new MalformedRequestException("The request body could not be read.");
        }
    }

    private static RequestFields scan(JsonParser parser) throws IOException, MalformedRequestException {
        final JsonToken first = parser.nextToken();
        if (first == null) {
            throw new MalformedRequestException("The request body is empty; a JSON object is expected.");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new MalformedRequestException("The request body must be a JSON object.");
        }
        final int objectStart = tokenStart(parser);
        String model = null;
        JsonValue modelValue = null;
        Boolean stream = null;
        JsonValue streamOptions = null;
        boolean streamOptionsEmpty = false;
        JsonValue includeUsage = null;
        boolean empty = true;
        boolean maxTokens = false;
        long maxTokensAsked = -1;
        int promptStart = -1;
        int promptEnd = -1;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            empty = false;
            final String name = parser.currentName();
            final JsonToken token = parser.nextToken();
            switch (name) {
                case "model" -> {
                    requireOnce(modelValue, name);
                    if (token != JsonToken.VALUE_STRING) {
                        throw wrongType(name, "a string", token);
                    }
                    final int start = tokenStart(parser);
                    model = parser.getText();
                    modelValue = new JsonValue(token, start, position(parser));
                }
                case "stream" -> {
                    requireOnce(stream, name);
                    if (!token.isBoolean() && token != JsonToken.VALUE_NULL) {
                        throw wrongType(name, "a boolean", token);
                    }
                    stream = token == JsonToken.VALUE_TRUE;
                }
                case "stream_options" -> {
                    requireOnce(streamOptions, name);
                    final int start = tokenStart(parser);
                    if (token == JsonToken.START_OBJECT) {
                        streamOptionsEmpty = true;
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            streamOptionsEmpty = false;
                            final boolean isIncludeUsage = parser.currentName().equals("include_usage");
                            final JsonToken valueToken = parser.nextToken();
                            if (isIncludeUsage) {
                                requireOnce(includeUsage, "stream_options.include_usage");
                                if (!valueToken.isBoolean() && valueToken != JsonToken.VALUE_NULL) {
                                    throw wrongType("stream_options.include_usage", "a boolean", valueToken);
                                }
                                includeUsage = valueOf(parser, valueToken);
                            } else {
                                parser.skipChildren();
                            }
                        }
                        streamOptions = new JsonValue(token, start, position(parser));
                    } else if (token == JsonToken.VALUE_NULL) {
                        streamOptions = valueOf(parser, token);
                    } else {
                        throw wrongType(name, "an object", token);
                    }
                }
                case "messages", "prompt", "input" -> {
                    final int start = tokenStart(parser);
                    if (token == JsonToken.VALUE_STRING) {
                        // A string is read lazily: finish it so that the position is past its closing quote.
                        parser.finishToken();
                    }
                    parser.skipChildren();
                    if (promptStart < 0) {
                        promptStart = start;
                        promptEnd = position(parser);
                    }
                }
                case "max_tokens", "max_completion_tokens" -> {
                    maxTokens = true;
                    if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                        maxTokensAsked = Math.max(maxTokensAsked, parser.getLongValue());
                    }
                    parser.skipChildren();
                }
                default -> parser.skipChildren();
            }
        }
        if (parser.nextToken() != null) {
            throw new MalformedRequestException("The request body has content after its JSON object.");
        }
        return new RequestFields(objectStart, model, modelValue, Boolean.TRUE.equals(stream), streamOptions,
                streamOptionsEmpty, includeUsage, empty, promptStart, promptEnd, maxTokens, maxTokensAsked);
    }

    /** The span of the scalar or container value the parser is on; strings and containers are read to their end. */
    private static JsonValue valueOf(JsonParser parser, JsonToken token) throws IOException {
        final int start = tokenStart(parser);
        if (token == JsonToken.VALUE_STRING) {
            parser.finishToken();
        } else {
            parser.skipChildren();
        }
        return new JsonValue(token, start, position(parser));
    }

    private static void requireOnce(Object seen, String name) throws MalformedRequestException {
        if (seen != null) {
            throw new MalformedRequestException("The field '" + name + "' appears more than once.", MalformedRequestException.Fault.DUPLICATE, name);
        }
    }

    /** As OpenAI words it: {@code Invalid type for 'stream': expected a boolean, but got a string instead.} */
    private static MalformedRequestException wrongType(String name, String expected, JsonToken got) {
        return new MalformedRequestException("Invalid type for '" + name + "': expected " + expected + ", but got "
                + typeName(got) + " instead.", MalformedRequestException.Fault.TYPE, name);
    }

    private static String typeName(JsonToken token) {
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_ARRAY -> "an array";
            default -> "an object";
        };
    }

    private static int tokenStart(JsonParser parser) {
        return (int) parser.currentTokenLocation().getByteOffset();
    }

    private static int position(JsonParser parser) {
        return (int) parser.currentLocation().getByteOffset();
    }
}
