package io.sluice.providers.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sluice.codec.json.Json;
import io.sluice.providers.ListedModel;
import io.sluice.providers.ModelNames;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a backend's model list in the OpenAI format ({@code {"object":"list","data":[{"id":...},...]}}, as
 * OpenAI, vLLM, Ollama, OpenRouter and Anthropic answer {@code GET /v1/models}) into its models, in order, with
 * their context length where the backend tells it (vLLM's {@code max_model_len}, OpenRouter's
 * {@code context_length}). Stateless.
 */
public final class OpenAiModelList {
    /** More models than any backend lists; past it the rest is left out. */
    private static final int MAX_MODELS = 10_000;

    private OpenAiModelList() {
    }

    /** The models of {@code length} bytes of a model list; throws {@link IOException} for anything else. */
    public static List<ListedModel> models(byte[] body, int length) throws IOException {
        final List<ListedModel> ids = new ArrayList<>();
        try (JsonParser parser = Json.FACTORY.createParser(body, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("a model list is a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                final String field = parser.currentName();
                final JsonToken value = parser.nextToken();
                if (field.equals("data") && value == JsonToken.START_ARRAY) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        readModel(parser, ids);
                    }
                } else {
                    parser.skipChildren();
                }
            }
        }
        return ids.size() > MAX_MODELS ? List.copyOf(ids.subList(0, MAX_MODELS)) : List.copyOf(ids);
    }

    private static void readModel(JsonParser parser, List<ListedModel> models) throws IOException {
        String id = null;
        long contextLength = -1;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            final String field = parser.currentName();
            final JsonToken value = parser.nextToken();
            if (field.equals("id") && value == JsonToken.VALUE_STRING && !parser.getText().isBlank()
                    && !ModelNames.hasControlCharacter(parser.getText())) {
                id = parser.getText();
            } else if ((field.equals("max_model_len") || field.equals("context_length"))
                    && value == JsonToken.VALUE_NUMBER_INT) {
                contextLength = parser.getLongValue();
            } else {
                parser.skipChildren();
            }
        }
        if (id != null) {
            models.add(new ListedModel(id, contextLength));
        }
    }
}
