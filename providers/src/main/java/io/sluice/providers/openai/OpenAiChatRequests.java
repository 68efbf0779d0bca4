package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonTree;
import io.sluice.proto.ChatMessage;
import io.sluice.proto.LLMRequest;
import io.sluice.providers.TranslatedRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI chat form of a WebSocket {@link LLMRequest}: system prompt, messages, user prompt, and the options that
 * were set; the dialect of the target writes it from there ({@link io.sluice.providers.DialectCodec#fromOpenAi}). It
 * always asks for a stream, whatever the client wants, so Sluice meters it exactly and can answer a non-stream
 * request by gathering the stream.
 */
public final class OpenAiChatRequests {
    private OpenAiChatRequests() {
    }

    /**
     * @throws IllegalArgumentException when {@code tools} is not a JSON array or {@code temperature} not a finite
     *                                  number (the message is fit for the client)
     */
    public static TranslatedRequest request(LLMRequest request) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", request.getModel());
        final List<Object> messages = new ArrayList<>();
        if (!request.getSystemPrompt().isEmpty()) {
            messages.add(message("system", request.getSystemPrompt()));
        }
        for (ChatMessage message : request.getMessagesList()) {
            messages.add(message(message.getRole().isEmpty() ? "user" : message.getRole(), message.getContent()));
        }
        if (!request.getUserPrompt().isEmpty()) {
            messages.add(message("user", request.getUserPrompt()));
        }
        body.put("messages", messages);
        body.put("stream", true);
        body.put("stream_options", Map.of("include_usage", true));
        if (request.hasTemperature()) {
            if (!Double.isFinite(request.getTemperature())) {
                throw new IllegalArgumentException("temperature must be a finite number");
            }
            body.put("temperature", request.getTemperature());
        }
        if (request.hasMaxTokens()) {
            body.put("max_tokens", Integer.toUnsignedLong(request.getMaxTokens()));
        }
        if (!request.getTools().isEmpty()) {
            requireJsonArray(request.getTools());
            body.put("tools", JsonTree.parseOrText(request.getTools()));
        }
        if (request.getMetadataCount() > 0) {
            body.put("metadata", new LinkedHashMap<>(request.getMetadataMap()));
        }
        return new TranslatedRequest(body, request.getStream(), true);
    }

    /** Whether the request has anything for the model to answer. */
    public static boolean hasInput(LLMRequest request) {
        return !request.getUserPrompt().isEmpty() || request.getMessagesCount() > 0;
    }

    private static Map<String, Object> message(String role, String content) {
        final Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
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
