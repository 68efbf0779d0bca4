package io.sluice.gateway.usage;

import io.sluice.gateway.admission.PromptTokens;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * With {@code usage.estimate}: the jtokkit counters that estimate a request's tokens when its backend reports none,
 * one per backend model, made the first time a model needs one. The encodings themselves are loaded when it is made,
 * at start, so that an event loop never waits for one. Shared by every event loop.
 */
public final class TokenEstimates {
    private final Map<String, PromptTokens> counters = new ConcurrentHashMap<>();

    public TokenEstimates() {
        PromptTokens.loadEncodings();
    }

    public PromptTokens counter(String backendModel) {
        return counters.computeIfAbsent(backendModel, PromptTokens::forModel);
    }
}
