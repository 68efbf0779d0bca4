package io.sluice.gateway.admission;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.routing.Route;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Seam: admission (DESIGN.md §2b), its per-config half: the keys, the internal key, the limits and the token
 * counters of one {@link io.sluice.gateway.snapshot.GatewaySnapshot}. {@link #authenticate} is the chain's first
 * step, taken on a request's head by every front; the rest is {@link Admission#admit}. Immutable.
 */
public final class AccessPolicy {
    static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");
    static final AsciiString X_INTERNAL_AUTH = AsciiString.cached("x-internal-auth");
    private static final String BEARER = "bearer ";

    private final SluiceConfig.AuthMode mode;
    private final KeyRing keys;
    private final byte[] internalDigest;
    private final SluiceConfig.Limits limits;
    private final int defaultMaxTokens;
    /** By public model; empty when no limit counts tokens. */
    private final Map<String, PromptTokens> counters = new HashMap<>();
    /** For models a backend lists ({@code list_upstream}) rather than the config; null when nothing counts tokens. */
    private final PromptTokens fallbackCounter;

    public AccessPolicy(SluiceConfig config, List<Route> routes) {
        this.mode = config.auth().mode();
        this.keys = new KeyRing(config.auth().keys());
        this.internalDigest = config.auth().internalKey() == null ? null
                : KeyHash.digest(config.auth().internalKey());
        this.limits = config.limits();
        this.defaultMaxTokens = config.routing().defaultMaxTokens();
        final boolean countsTokens = config.auth().keys().stream().anyMatch(k -> k.limits().tpm() > 0)
                || limits.models().values().stream().anyMatch(l -> l.tpm() > 0);
        if (countsTokens) {
            for (Route route : routes) {
                counters.put(route.publicModel(), PromptTokens.forModel(route.primary().backendModel()));
            }
        }
        this.fallbackCounter = countsTokens ? PromptTokens.forModel("") : null;
    }

    /**
     * Who presents {@code headers}: a key in {@code Authorization: Bearer}, {@code x-api-key} or (the shared internal
     * key) {@code x-internal-auth}. Without auth everyone is let in as nobody in particular.
     */
    public Verdict authenticate(HttpHeaders headers) {
        if (mode == SluiceConfig.AuthMode.NONE) {
            return Caller.ANONYMOUS;
        }
        final String internal = headers.get(X_INTERNAL_AUTH);
        if (internal != null) {
            return internalDigest != null && KeyHash.same(internalDigest, KeyHash.digest(internal.strip()))
                    ? Caller.INTERNAL : invalid();
        }
        final String presented = presentedKey(headers);
        if (presented == null) {
            return new Refusal(ErrorKind.MISSING_API_KEY, "You didn't provide an API key. Send it in the "
                    + "Authorization header (Authorization: Bearer YOUR_KEY) or in x-api-key.");
        }
        final SluiceConfig.ApiKey key = keys.find(KeyHash.digest(presented));
        if (key == null) {
            return invalid();
        }
        if (key.disabled()) {
            return new Refusal(ErrorKind.INVALID_API_KEY, "This API key (" + key.id() + ") is disabled.");
        }
        if (key.expires() != null && !Instant.now().isBefore(key.expires())) {
            return new Refusal(ErrorKind.INVALID_API_KEY, "This API key (" + key.id() + ") expired at "
                    + key.expires() + ".");
        }
        return new Caller(key.id(), key.user(), key);
    }

    /** Only the headers {@link #authenticate} reads, copied: what a WebSocket keeps of its handshake. */
    public static HttpHeaders credentials(HttpHeaders headers) {
        final HttpHeaders kept = new DefaultHttpHeaders();
        for (AsciiString name : List.of(HttpHeaderNames.AUTHORIZATION, X_API_KEY, X_INTERNAL_AUTH)) {
            final String value = headers.get(name);
            if (value != null) {
                kept.set(name, value);
            }
        }
        return kept;
    }

    /** Never repeats what was presented: it may be a real key sent to the wrong place. */
    private static Refusal invalid() {
        return new Refusal(ErrorKind.INVALID_API_KEY, "Incorrect API key provided.");
    }

    private static String presentedKey(HttpHeaders headers) {
        final String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.length() > BEARER.length()
                && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return authorization.substring(BEARER.length()).strip();
        }
        final String apiKey = headers.get(X_API_KEY);
        return apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    }

    SluiceConfig.Limits limits() {
        return limits;
    }

    /** The prompt counter of a public model, or null when no limit counts tokens. */
    PromptTokens counter(String publicModel) {
        return counters.getOrDefault(publicModel, fallbackCounter);
    }

    /** The completion tokens reserved for a request that does not say how many it wants. */
    long assumedMaxTokens() {
        return defaultMaxTokens > 0 ? defaultMaxTokens : limits.assumedMaxTokens();
    }
}
