package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;
import io.sluice.proto.ChatMessage;
import io.sluice.proto.LLMRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Builds the OpenAI chat completions body for a WebSocket {@link LLMRequest}: system prompt, messages, user prompt,
 * and the options that were set. It always asks for a stream with usage, whatever the client wants, so Sluice
 * meters it exactly and can answer a non-stream request by gathering the stream.
 */
public final class OpenAiChatRequests {
    private OpenAiChatRequests() {
    }

    /**
     * @param defaultMaxTokens the {@code max_tokens} sent when the request sets none, or 0 to send none
     * @throws IllegalArgumentException when {@code tools} is not a JSON array (the message is fit for the client)
     */
    public static byte[] body(LLMRequest request, String backendModel, int defaultMaxTokens) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", backendModel);
            g.writeArrayFieldStart("messages");
            if (!request.getSystemPrompt().isEmpty()) {
                message(g, "system", request.getSystemPrompt());
            }
            for (ChatMessage message : request.getMessagesList()) {
                message(g, message.getRole().isEmpty() ? "user" : message.getRole(), message.getContent());
            }
            if (!request.getUserPrompt().isEmpty()) {
                message(g, "user", request.getUserPrompt());
            }
            g.writeEndArray();
            g.writeBooleanField("stream", true);
            g.writeObjectFieldStart("stream_options");
            g.writeBooleanField("include_usage", true);
            g.writeEndObject();
            if (request.hasTemperature()) {
                g.writeNumberField("temperature", request.getTemperature());
            }
            if (request.hasMaxTokens()) {
                g.writeNumberField("max_tokens", Integer.toUnsignedLong(request.getMaxTokens()));
            } else if (defaultMaxTokens > 0) {
                g.writeNumberField("max_tokens", defaultMaxTokens);
            }
            if (!request.getTools().isEmpty()) {
                requireJsonArray(request.getTools());
                g.writeFieldName("tools");
                g.writeRawValue(request.getTools());
            }
            if (request.getMetadataCount() > 0) {
                g.writeObjectFieldStart("metadata");
                for (Map.Entry<String, String> entry : request.getMetadataMap().entrySet()) {
                    g.writeStringField(entry.getKey(), entry.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Checks what {@link #body} would refuse, without building it.
     *
     * @throws IllegalArgumentException when {@code tools} is not a JSON array (the message is fit for the client)
     */
    public static void check(LLMRequest request) {
        if (!request.getTools().isEmpty()) {
            requireJsonArray(request.getTools());
        }
    }

    /** Whether the request has anything for the model to answer. */
    public static boolean hasInput(LLMRequest request) {
        return !request.getUserPrompt().isEmpty() || request.getMessagesCount() > 0;
    }

    private static void message(JsonGenerator g, String role, String content) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", role);
        g.writeStringField("content", content);
        g.writeEndObject();
    }

    private static void requireJsonArray(String tools) {
        try (JsonParser p = Json.FACTORY.createParser(tools)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("tools must be a JSON array of tool definitions");
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("tools has content after its JSON array");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tools is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
