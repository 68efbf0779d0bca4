package io.sluice.codec.proto;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;

import java.io.IOException;
import java.util.Base64;
import java.util.List;

/**
 * Protocol Buffers messages as JSON, in the shape of the proto3 JSON mapping, with jackson-core's streaming
 * parser and generator: field names as in the .proto file (lowerCamelCase accepted too), fields at their default
 * left out, maps as objects, 64-bit integers as numbers. Unknown fields are skipped so that older servers read
 * newer clients; a value of the wrong type is a {@link ProtoJsonException} naming the field.
 */
public final class ProtoJson {
    private ProtoJson() {
    }

    public static void write(MessageOrBuilder message, JsonGenerator g) throws IOException {
        g.writeStartObject();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (field.isRepeated()) {
                if (message.getRepeatedFieldCount(field) == 0) {
                    continue;
                }
                g.writeFieldName(field.getName());
                if (field.isMapField()) {
                    writeMap(field, message, g);
                } else {
                    g.writeStartArray();
                    for (Object item : (List<?>) message.getField(field)) {
                        writeValue(field, item, g);
                    }
                    g.writeEndArray();
                }
            } else if (field.hasPresence() ? message.hasField(field) : !isDefault(field, message.getField(field))) {
                g.writeFieldName(field.getName());
                writeValue(field, message.getField(field), g);
            }
        }
        g.writeEndObject();
    }

    /** Reads one JSON object into {@code builder}; the parser is before or on its START_OBJECT. */
    public static void read(JsonParser p, Message.Builder builder) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT && p.nextToken() != JsonToken.START_OBJECT) {
            throw new ProtoJsonException(builder.getDescriptorForType().getName() + " must be a JSON object");
        }
        final Descriptor type = builder.getDescriptorForType();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final FieldDescriptor field = field(type, p.currentName());
            final JsonToken value = p.nextToken();
            if (field == null || value == JsonToken.VALUE_NULL) {
                p.skipChildren();
            } else if (field.isMapField()) {
                readMap(p, builder, field);
            } else if (field.isRepeated()) {
                expect(p, field, JsonToken.START_ARRAY);
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    builder.addRepeatedField(field, readValue(p, builder, field));
                }
            } else {
                builder.setField(field, readValue(p, builder, field));
            }
        }
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        final FieldDescriptor byName = type.findFieldByName(name);
        if (byName != null) {
            return byName;
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJsonName().equals(name)) {
                return field;
            }
        }
        return null;
    }

    private static void writeMap(FieldDescriptor field, MessageOrBuilder message, JsonGenerator g)
            throws IOException {
        final FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        g.writeStartObject();
        for (Object entry : (List<?>) message.getField(field)) {
            final MapEntry<?, ?> pair = (MapEntry<?, ?>) entry;
            g.writeFieldName(String.valueOf(pair.getKey()));
            writeValue(valueField, pair.getValue(), g);
        }
        g.writeEndObject();
    }

    private static void readMap(JsonParser p, Message.Builder builder, FieldDescriptor field) throws IOException {
        expect(p, field, JsonToken.START_OBJECT);
        final Descriptor entryType = field.getMessageType();
        final FieldDescriptor keyField = entryType.findFieldByName("key");
        final FieldDescriptor valueField = entryType.findFieldByName("value");
        if (keyField.getJavaType() != FieldDescriptor.JavaType.STRING) {
            throw new ProtoJsonException(field.getName() + ": only maps with string keys are supported");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String key = p.currentName();
            p.nextToken();
            final Message.Builder entry = builder.newBuilderForField(field);
            entry.setField(keyField, key);
            entry.setField(valueField, readValue(p, entry, valueField));
            builder.addRepeatedField(field, entry.build());
        }
    }

    private static void writeValue(FieldDescriptor field, Object value, JsonGenerator g) throws IOException {
        switch (field.getJavaType()) {
            case INT -> {
                if (isUnsigned(field)) {
                    g.writeNumber(Integer.toUnsignedLong((Integer) value));
                } else {
                    g.writeNumber((Integer) value);
                }
            }
            case LONG -> {
                if (isUnsigned(field)) {
                    g.writeNumber(Long.toUnsignedString((Long) value));
                } else {
                    g.writeNumber((Long) value);
                }
            }
            case FLOAT -> g.writeNumber((Float) value);
            case DOUBLE -> g.writeNumber((Double) value);
            case BOOLEAN -> g.writeBoolean((Boolean) value);
            case STRING -> g.writeString((String) value);
            case BYTE_STRING -> g.writeString(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case ENUM -> g.writeString(((EnumValueDescriptor) value).getName());
            case MESSAGE -> write((MessageOrBuilder) value, g);
        }
    }

    private static Object readValue(JsonParser p, Message.Builder parent, FieldDescriptor field) throws IOException {
        final JsonToken token = p.currentToken();
        switch (field.getJavaType()) {
            case INT, LONG -> {
                expect(p, field, JsonToken.VALUE_NUMBER_INT);
                final long value = p.getLongValue();
                final boolean fits = field.getJavaType() == FieldDescriptor.JavaType.LONG
                        || (isUnsigned(field) ? value >= 0 && value <= 0xFFFF_FFFFL
                                : value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE);
                if (!fits || isUnsigned(field) && value < 0) {
                    throw new ProtoJsonException(field.getName() + ": " + value + " is out of range");
                }
                return field.getJavaType() == FieldDescriptor.JavaType.INT ? (Object) (int) value : (Object) value;
            }
            case FLOAT, DOUBLE -> {
                if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw new ProtoJsonException(field.getName() + ": expected a number");
                }
                return field.getJavaType() == FieldDescriptor.JavaType.FLOAT
                        ? (Object) p.getFloatValue() : (Object) p.getDoubleValue();
            }
            case BOOLEAN -> {
                if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                    throw new ProtoJsonException(field.getName() + ": expected true or false");
                }
                return token == JsonToken.VALUE_TRUE;
            }
            case STRING -> {
                expect(p, field, JsonToken.VALUE_STRING);
                return p.getText();
            }
            case BYTE_STRING -> {
                expect(p, field, JsonToken.VALUE_STRING);
                try {
                    return ByteString.copyFrom(Base64.getDecoder().decode(p.getText()));
                } catch (IllegalArgumentException e) {
                    throw new ProtoJsonException(field.getName() + ": not base64");
                }
            }
            case ENUM -> {
                expect(p, field, JsonToken.VALUE_STRING);
                final EnumValueDescriptor value = field.getEnumType().findValueByName(p.getText());
                if (value == null) {
                    throw new ProtoJsonException(field.getName() + ": unknown value " + p.getText());
                }
                return value;
            }
            default -> {
                final Message.Builder nested = parent.newBuilderForField(field);
                expect(p, field, JsonToken.START_OBJECT);
                read(p, nested);
                return nested.build();
            }
        }
    }

    private static void expect(JsonParser p, FieldDescriptor field, JsonToken token) throws ProtoJsonException {
        if (p.currentToken() != token) {
            throw new ProtoJsonException(field.getName() + ": expected " + describe(token) + ", found "
                    + describe(p.currentToken()));
        }
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "a whole number";
            case VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "true or false";
            default -> String.valueOf(token.asString());
        };
    }

    private static boolean isUnsigned(FieldDescriptor field) {
        return switch (field.getType()) {
            case UINT32, FIXED32, UINT64, FIXED64 -> true;
            default -> false;
        };
    }

    private static boolean isDefault(FieldDescriptor field, Object value) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            return false;
        }
        return value.equals(field.getDefaultValue());
    }
}
