package io.sluice.gateway.demo;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.sluice.codec.json.Json;

import java.io.IOException;
import java.io.InputStream;

/**
 * What the demo model needs from a request: the model, whether to stream and report usage, the token limit, and
 * the text of the prompt (to count its tokens). Read with jackson-core's streaming parser.
 */
record DemoRequest(String model, boolean stream, boolean includeUsage, int maxTokens, String promptText,
                   int messageCount) {

    static DemoRequest parse(ByteBuf body) throws IOException {
        String model = "demo";
        boolean stream = false;
        boolean includeUsage = false;
        int maxTokens = Integer.MAX_VALUE;
        final StringBuilder prompt = new StringBuilder();
        int messages = 0;
        final InputStream in = new ByteBufInputStream(body.duplicate());
        try (JsonParser p = Json.FACTORY.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the body is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> model = p.getValueAsString(model);
                    case "stream" -> stream = value == JsonToken.VALUE_TRUE;
                    case "max_tokens", "max_completion_tokens", "max_output_tokens" ->
                            maxTokens = value == JsonToken.VALUE_NUMBER_INT ? Math.max(1, p.getIntValue()) : maxTokens;
                    case "stream_options" -> includeUsage = readIncludeUsage(p);
                    case "messages", "prompt", "input" -> {
                        if (name.equals("messages") && value == JsonToken.START_ARRAY) {
                            messages = collectMessages(p, prompt);
                        } else {
                            collectText(p, prompt);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        return new DemoRequest(model, stream, includeUsage, maxTokens, prompt.toString(), messages);
    }

    private static boolean readIncludeUsage(JsonParser p) throws IOException {
        boolean include = false;
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            if (name.equals("include_usage")) {
                include = value == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return include;
    }

    private static int collectMessages(JsonParser p, StringBuilder out) throws IOException {
        int count = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            count++;
            collectText(p, out);
        }
        return count;
    }

    /** Appends every string in the current value (a string, or strings nested in arrays and objects). */
    private static void collectText(JsonParser p, StringBuilder out) throws IOException {
        final JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            out.append(p.getText()).append('\n');
        } else if (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) {
            int depth = 1;
            while (depth > 0) {
                final JsonToken next = p.nextToken();
                if (next == JsonToken.START_ARRAY || next == JsonToken.START_OBJECT) {
                    depth++;
                } else if (next == JsonToken.END_ARRAY || next == JsonToken.END_OBJECT) {
                    depth--;
                } else if (next == JsonToken.VALUE_STRING && !isLabel(p.currentName())) {
                    out.append(p.getText()).append('\n');
                }
            }
        }
    }

    /** Fields whose strings are labels, not text the model reads. */
    private static boolean isLabel(String field) {
        return "role".equals(field) || "type".equals(field) || "name".equals(field);
    }
}
