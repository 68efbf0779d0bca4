package io.sluice.codec.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON document as plain Java values, for the few places that must rebuild a document rather than splice it:
 * translating a request from one dialect to another. Objects are {@code LinkedHashMap<String, Object>} (field order
 * kept), arrays {@code ArrayList<Object>}, strings {@code String}, numbers as the parser read them (integers exact,
 * decimals as {@code BigDecimal} so {@code 0.7} stays {@code 0.7}), booleans {@code Boolean}, {@code null} as null.
 * Stateless; the values it returns belong to the caller.
 */
public final class JsonTree {
    private JsonTree() {
    }

    /** The readable bytes of {@code body}, which must hold one JSON object and nothing after it. */
    public static Map<String, Object> readObject(ByteBuf body) throws MalformedRequestException {
        try (JsonParser p = Json.FACTORY.createParser((InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedRequestException("The request body must be a JSON object.");
            }
            final Object value = read(p);
            if (p.nextToken() != null) {
                throw new MalformedRequestException("The request body has content after its JSON object.");
            }
            return asObject(value);
        } catch (JsonProcessingException e) {
            throw new MalformedRequestException("The request body is not valid JSON: " + Json.describe(e) + ".");
        } catch (IOException e) {
            throw new MalformedRequestException("The request body could not be read.");
        }
    }

    /** The value the parser is on (its first token already read), and everything inside it. */
    public static Object read(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                final Map<String, Object> object = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    final String name = p.currentName();
                    p.nextToken();
                    object.put(name, read(p));
                }
                yield object;
            }
            case START_ARRAY -> {
                final List<Object> array = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    array.add(read(p));
                }
                yield array;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDecimalValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Writes {@code value}, a tree of the types {@link #read} makes. */
    public static void write(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof Map<?, ?> object) {
            g.writeStartObject();
            for (Map.Entry<?, ?> field : object.entrySet()) {
                g.writeFieldName((String) field.getKey());
                write(g, field.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> array) {
            g.writeStartArray();
            for (Object element : array) {
                write(g, element);
            }
            g.writeEndArray();
        } else if (value instanceof String text) {
            g.writeString(text);
        } else if (value instanceof Boolean flag) {
            g.writeBoolean(flag);
        } else if (value instanceof BigDecimal decimal) {
            g.writeNumber(decimal);
        } else if (value instanceof BigInteger integer) {
            g.writeNumber(integer);
        } else if (value instanceof Double || value instanceof Float) {
            g.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof Number number) {
            g.writeNumber(number.longValue());
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    /** {@code value} as JSON text (a tool's arguments, which OpenAI carries as a string). */
    public static String text(Object value) {
        return new String(Json.render(g -> write(g, value)), StandardCharsets.UTF_8);
    }

    /** {@code text} parsed, or the text itself when it is not JSON (a model's malformed tool arguments). */
    public static Object parseOrText(String text) {
        try (JsonParser p = Json.FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                return text;
            }
            final Object value = read(p);
            return p.nextToken() == null ? value : text;
        } catch (IOException e) {
            return text;
        }
    }

    /** {@code value} when it is a string, else the empty string. */
    public static String string(Object value) {
        return value instanceof String text ? text : "";
    }

    /** {@code value} when it is an object, else an empty one. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value) {
        return value instanceof Map<?, ?> ? (Map<String, Object>) value : new LinkedHashMap<>();
    }

    /** {@code value} when it is an array, else an empty one. */
    @SuppressWarnings("unchecked")
    public static List<Object> asArray(Object value) {
        return value instanceof List<?> ? (List<Object>) value : new ArrayList<>();
    }
}
