package io.sluice.gateway.usage;

import io.sluice.gateway.admission.PromptTokens;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jtokkit counters that estimate tokens Sluice was not told: the usage of a request whose backend reports none
 * (with {@code usage.estimate}) and the part of a continued stream its first backend never counted. With
 * {@code usage.estimate}, one counter per backend model, its encodings loaded as the gateway starts (37 MiB of heap
 * for cl100k_base and o200k_base), so that an event loop never waits for one. Without it, only continued streams
 * need a count: cl100k_base's (11 MiB), loaded off the event loops when the first stream breaks, so that a gateway
 * whose streams never break never holds it; until it is there, a count is the length over four. Shared by every
 * event loop.
 */
public final class TokenEstimates {
    private final Map<String, PromptTokens> counters = new ConcurrentHashMap<>();
    private final boolean usage;
    private volatile PromptTokens fallback;
    private volatile boolean loading;

    /** @param usage whether usage a backend does not report is estimated ({@code usage.estimate}) */
    public TokenEstimates(boolean usage) {
        this.usage = usage;
        if (usage) {
            PromptTokens.loadEncodings();
        }
    }

    /** Whether usage a backend does not report is estimated. */
    public boolean usage() {
        return usage;
    }

    /** The counter for a backend model, with {@code usage.estimate}: its own encoding. */
    public PromptTokens counter(String backendModel) {
        return counters.computeIfAbsent(backendModel, PromptTokens::forModel);
    }

    /**
     * The tokens of {@code text} for a continued stream: the model's encoding with {@code usage.estimate}, else
     * cl100k_base's once it is loaded (the first call starts loading it, off the event loops), else a quarter of its
     * length.
     */
    public long count(String backendModel, String text) {
        if (usage) {
            return counter(backendModel).count(text);
        }
        final PromptTokens loaded = fallback;
        if (loaded != null) {
            return loaded.count(text);
        }
        if (!loading) {
            loading = true;
            CompletableFuture.runAsync(() -> fallback = PromptTokens.forModel(""));
        }
        return (text.length() + 3) / 4;
    }
}
