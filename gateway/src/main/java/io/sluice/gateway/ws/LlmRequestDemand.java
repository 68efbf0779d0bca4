package io.sluice.gateway.ws;

import io.sluice.gateway.admission.PromptTokens;
import io.sluice.gateway.admission.TokenDemand;
import io.sluice.proto.ChatMessage;
import io.sluice.proto.LLMRequest;

/** The token demand of a WebSocket request: its system prompt, messages and user prompt, and its max_tokens. */
record LlmRequestDemand(LLMRequest request) implements TokenDemand {
    @Override
    public long promptTokens(PromptTokens counter) {
        final StringBuilder prompt = new StringBuilder(request.getSystemPrompt());
        for (ChatMessage message : request.getMessagesList()) {
            prompt.append('\n').append(message.getContent());
        }
        return counter.count(prompt.append('\n').append(request.getUserPrompt()));
    }

    @Override
    public long maxTokens() {
        return request.hasMaxTokens() ? request.getMaxTokens() : -1;
    }
}
