package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;
import io.sluice.codec.usage.Usage;
import io.sluice.codec.usage.UsageReader;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDecoder;
import io.sluice.providers.StreamPosition;
import io.sluice.providers.StreamDelta;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads an OpenAI chat completion chunk (or a whole chat completion) into a {@link StreamDelta}, with
 * jackson-core's streaming parser. Only the first choice is read. Reasoning text is taken from
 * {@code reasoning_content} (vLLM, DeepSeek) or {@code reasoning} (OpenRouter); an {@code error} object, as
 * OpenRouter and TGI send mid-stream, becomes the delta's error. One instance reads one stream and knows whether
 * it ended: with {@code [DONE]} or a finish reason.
 */
public final class OpenAiStreamDecoder implements StreamDecoder {
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};
    private static final StreamPosition STARTED = new StreamPosition(true, 0, null);

    private boolean ended;
    private Served served;
    /** Whether the first chunk was read for {@link #served}: once per stream, named or not. */
    private boolean servedRead;

    @Override
    public StreamDelta decode(byte[] data, int length) {
        if (length == DONE.length && Arrays.equals(data, 0, length, DONE, 0, length)) {
            ended = true;
            return null;
        }
        if (!servedRead) {
            servedRead = true;
            served = readServed(data, length);
        }
        final StreamDelta delta = read(data, length);
        if (delta != null && delta.finishReason() != null) {
            ended = true;
        }
        return delta;
    }

    @Override
    public boolean ended() {
        return ended;
    }

    @Override
    public Served served() {
        return served;
    }

    @Override
    public StreamPosition position() {
        return servedRead ? STARTED : StreamPosition.NONE;
    }

    /** A chunk's {@code id} and {@code model}, read once per stream; null when it names no id. */
    private static Served readServed(byte[] json, int length) {
        try (JsonParser p = Json.FACTORY.createParser(json, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String id = null;
            String model = null;
            while (p.nextToken() == JsonToken.FIELD_NAME && (id == null || model == null)) {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && name.equals("id")) {
                    id = p.getText();
                } else if (value == JsonToken.VALUE_STRING && name.equals("model")) {
                    model = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            return id == null ? null : new Served(id, model == null ? "" : model, null);
        } catch (IOException e) {
            return null;
        }
    }

    /** The delta of one chunk, or of a whole chat completion; null for data that is not a JSON object. */
    public static StreamDelta read(byte[] json, int length) {
        try (JsonParser p = Json.FACTORY.createParser(json, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            final Builder delta = new Builder();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                if (name.equals("choices") && value == JsonToken.START_ARRAY) {
                    readChoices(p, delta);
                } else if (name.equals("usage") && value == JsonToken.START_OBJECT) {
                    delta.usage = UsageReader.readUsageObject(p);
                } else if (name.equals("error")) {
                    delta.error = readError(p);
                } else {
                    p.skipChildren();
                }
            }
            return delta.build();
        } catch (IOException e) {
            return null;
        }
    }

    private static void readChoices(JsonParser p, Builder delta) throws IOException {
        boolean first = true;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (first && p.currentToken() == JsonToken.START_OBJECT) {
                readChoice(p, delta);
            } else {
                p.skipChildren();
            }
            first = false;
        }
    }

    private static void readChoice(JsonParser p, Builder delta) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            if ((name.equals("delta") || name.equals("message")) && value == JsonToken.START_OBJECT) {
                readMessage(p, delta);
            } else if (name.equals("finish_reason") && value == JsonToken.VALUE_STRING) {
                delta.finishReason = p.getText();
            } else if (name.equals("text") && value == JsonToken.VALUE_STRING) {
                delta.content.append(p.getText());
            } else {
                p.skipChildren();
            }
        }
    }

    private static void readMessage(JsonParser p, Builder delta) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_STRING && name.equals("content")) {
                delta.content.append(p.getText());
            } else if (value == JsonToken.VALUE_STRING
                    && (name.equals("reasoning_content") || name.equals("reasoning"))) {
                delta.reasoning.append(p.getText());
            } else if (value == JsonToken.START_ARRAY && name.equals("tool_calls")) {
                int position = 0;
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    delta.toolCalls.add(readToolCall(p, position++));
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private static StreamDelta.ToolCallPiece readToolCall(JsonParser p, int position) throws IOException {
        int index = position;
        String id = "";
        String name = "";
        String arguments = "";
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String field = p.currentName();
            final JsonToken value = p.nextToken();
            if (field.equals("index") && value == JsonToken.VALUE_NUMBER_INT) {
                index = p.getIntValue();
            } else if (field.equals("id") && value == JsonToken.VALUE_STRING) {
                id = p.getText();
            } else if (field.equals("function") && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    final String part = p.currentName();
                    final JsonToken text = p.nextToken();
                    if (part.equals("name") && text == JsonToken.VALUE_STRING) {
                        name = p.getText();
                    } else if (part.equals("arguments") && text == JsonToken.VALUE_STRING) {
                        arguments = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return new StreamDelta.ToolCallPiece(index, id, name, arguments);
    }

    private static String readError(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        String message = "the backend reported an error";
        if (p.currentToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                if (p.nextToken() == JsonToken.VALUE_STRING && name.equals("message")) {
                    message = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } else {
            p.skipChildren();
        }
        return message;
    }

    private static final class Builder {
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final List<StreamDelta.ToolCallPiece> toolCalls = new ArrayList<>(0);
        String finishReason;
        Usage usage;
        String error;

        StreamDelta build() {
            return new StreamDelta(content.toString(), reasoning.toString(), List.copyOf(toolCalls), finishReason,
                    usage, error);
        }
    }
}
