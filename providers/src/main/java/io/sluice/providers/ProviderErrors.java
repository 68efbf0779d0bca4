package io.sluice.providers;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;

import java.io.IOException;

/**
 * Reads the error body of any supported backend into a {@link ProviderError}, with jackson-core's streaming
 * parser:
 * <ul>
 *   <li>OpenAI, Azure, OpenRouter, newer vLLM: {@code {"error":{"message","type","param","code"}}};</li>
 *   <li>Anthropic: {@code {"type":"error","error":{"type","message"}}};</li>
 *   <li>older vLLM: the same fields at the top level, with {@code "object":"error"};</li>
 *   <li>TGI and Ollama: {@code {"error":"text"}} (TGI adds {@code error_type});</li>
 *   <li>FastAPI (a vLLM route that does not exist, a validation failure): {@code {"detail": ...}}.</li>
 * </ul>
 * Anything else yields null, and the caller falls back to the status.
 */
public final class ProviderErrors {
    private ProviderErrors() {
    }

    /** The error in the first {@code length} bytes of {@code json}, or null when they hold none. */
    public static ProviderError parse(byte[] json, int length) {
        try (JsonParser p = Json.FACTORY.createParser(json, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            final Fields top = new Fields();
            Fields nested = null;
            String detail = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                if (name.equals("error") && value == JsonToken.START_OBJECT) {
                    nested = new Fields();
                    readObject(p, nested);
                } else if (name.equals("error") && value == JsonToken.VALUE_STRING) {
                    top.message = p.getText();
                } else if (name.equals("error_type") && value == JsonToken.VALUE_STRING) {
                    top.type = p.getText();
                } else if (name.equals("detail")) {
                    detail = value == JsonToken.VALUE_STRING ? p.getText() : "the request was not valid";
                    p.skipChildren();
                } else {
                    top.read(name, p, value);
                }
            }
            if (nested != null && nested.message != null) {
                return nested.error();
            }
            if (top.message != null) {
                return top.error();
            }
            return detail == null ? null : new ProviderError(detail, null, null, null);
        } catch (IOException e) {
            return null;
        }
    }

    private static void readObject(JsonParser p, Fields into) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            into.read(name, p, p.nextToken());
        }
    }

    /** The four fields of an error object, as far as they are there. */
    private static final class Fields {
        String message;
        String type;
        String code;
        String param;

        void read(String name, JsonParser p, JsonToken value) throws IOException {
            final boolean scalar = value.isScalarValue() && value != JsonToken.VALUE_NULL;
            switch (name) {
                case "message" -> message = scalar ? p.getText() : skip(p);
                case "type" -> type = scalar ? p.getText() : skip(p);
                case "code" -> code = scalar ? p.getText() : skip(p);
                case "param" -> param = scalar ? p.getText() : skip(p);
                default -> p.skipChildren();
            }
        }

        ProviderError error() {
            return new ProviderError(message, type, code, param);
        }

        private static String skip(JsonParser p) throws IOException {
            p.skipChildren();
            return null;
        }
    }
}
