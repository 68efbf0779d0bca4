package io.sluice.gateway.usage;

import io.sluice.gateway.admission.PromptTokens;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jtokkit counters that estimate tokens Sluice was not told: the usage of a request whose backend reports none
 * (with {@code usage.estimate}) and the part of a continued stream its first backend never counted. One counter per
 * backend model, made the first time a model needs one. The encodings are loaded as the gateway starts, before it
 * serves with {@code usage.estimate} and beside it otherwise (a break is rare and comes later), so that an event loop
 * does not wait for one. Shared by every event loop.
 */
public final class TokenEstimates {
    private final Map<String, PromptTokens> counters = new ConcurrentHashMap<>();
    private final boolean usage;

    /** @param usage whether usage a backend does not report is estimated ({@code usage.estimate}) */
    public TokenEstimates(boolean usage) {
        this.usage = usage;
        if (usage) {
            PromptTokens.loadEncodings();
        } else {
            CompletableFuture.runAsync(PromptTokens::loadEncodings);
        }
    }

    /** Whether usage a backend does not report is estimated. */
    public boolean usage() {
        return usage;
    }

    public PromptTokens counter(String backendModel) {
        return counters.computeIfAbsent(backendModel, PromptTokens::forModel);
    }
}
