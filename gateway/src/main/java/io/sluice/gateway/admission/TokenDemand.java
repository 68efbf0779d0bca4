package io.sluice.gateway.admission;

/** What a request may cost in tokens, as its front can tell: asked only when a limit counts tokens. */
public interface TokenDemand {
    /** The prompt's tokens, estimated with {@code counter}. */
    long promptTokens(PromptTokens counter);

    /** The completion tokens the request asks for at most, or -1 when it does not say. */
    long maxTokens();
}
