package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.json.RequestFields;
import io.sluice.gateway.admission.PromptTokens;
import io.sluice.gateway.admission.TokenDemand;

/**
 * The token demand of a JSON request body as the scan found it: the prompt counted where {@code messages},
 * {@code prompt} or {@code input} lies (its JSON syntax included, a slight overestimate that settlement corrects),
 * and {@code max_tokens}. Reads the body in place; owns nothing.
 */
record JsonBodyDemand(ByteBuf body, RequestFields fields) implements TokenDemand {
    @Override
    public long promptTokens(PromptTokens counter) {
        return fields.promptStart() < 0 ? 0 : counter.count(body, body.readerIndex() + fields.promptStart(),
                fields.promptEnd() - fields.promptStart());
    }

    @Override
    public long maxTokens() {
        return fields.maxTokensAsked();
    }
}
