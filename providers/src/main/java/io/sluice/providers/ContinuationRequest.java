package io.sluice.providers;

import io.sluice.codec.json.JsonTree;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request that asks a backend to go on with a partial answer: the client's conversation with that answer as its
 * final assistant message, marked as its {@link Continuation} says, and the output limit lowered by what was already
 * written. Built in the OpenAI form, so the target's dialect writes it like any translated request (Anthropic's
 * prefill is its final assistant turn). No instruction is added: the model simply goes on. Stateless.
 */
public final class ContinuationRequest {
    private static final String[] OUTPUT_LIMITS = {"max_tokens", "max_completion_tokens"};

    private ContinuationRequest() {
    }

    /**
     * @param content     the answer's text so far, as the backend must see it (without trailing whitespace, which
     *                    chat templates and Anthropic strip or refuse)
     * @param reasoning   the answer's reasoning text so far, or empty
     * @param tokensSoFar what the partial answer is counted as, taken off the request's output limit
     */
    public static TranslatedRequest of(TranslatedRequest request, Continuation how, String content, String reasoning,
                                       long tokensSoFar) {
        final Map<String, Object> body = new LinkedHashMap<>(request.openAi());
        final Map<String, Object> partial = new LinkedHashMap<>();
        partial.put("role", "assistant");
        partial.put("content", content);
        if (!reasoning.isEmpty()) {
            partial.put("reasoning_content", reasoning);
        }
        if (how == Continuation.PREFIX) {
            partial.put("prefix", true);
        }
        final List<Object> messages = new ArrayList<>(JsonTree.asArray(body.get("messages")));
        final Map<String, Object> last = messages.isEmpty() ? Map.of()
                : JsonTree.asObject(messages.get(messages.size() - 1));
        if ("assistant".equals(last.get("role")) && last.get("content") instanceof String prefill) {
            // The client's own prefill, which the answer went on from: the partial answer goes on from both.
            partial.put("content", prefill + content);
            messages.remove(messages.size() - 1);
        }
        messages.add(partial);
        body.put("messages", messages);
        if (how == Continuation.CONTINUE_FINAL_MESSAGE) {
            body.put("continue_final_message", true);
            body.put("add_generation_prompt", false);
        }
        for (String limit : OUTPUT_LIMITS) {
            if (body.get(limit) instanceof Number max) {
                body.put(limit, Math.max(1, max.longValue() - tokensSoFar));
            }
        }
        return new TranslatedRequest(body, request.stream(), request.includeUsage());
    }
}
