package io.sluice.gateway.admission;

import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.ErrorKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Seam: admission (DESIGN.md §2b), after {@link AccessPolicy#authenticate}: the caller's allowed models, then the
 * request buckets (the key's, the model's, and the client address's when no key was presented), then the token
 * buckets (the key's and the model's), which reserve the estimated prompt and the completion asked for. Every
 * front calls it once the model is known; what one bucket refused is given back to those already taken. Runs on
 * event loops without a lock (see {@link TokenBucket}); the buckets are process-wide, in {@link Buckets}.
 */
public final class Admission {
    /** More tokens than any bucket holds; a reservation is never counted above it. */
    private static final long MAX_RESERVE = 1L << 40;

    private final Buckets buckets;
    private final BooleanSupplier meteringFull;

    /**
     * @param meteringFull whether usage metering cannot take more records (a full spool whose operator chose to
     *                     refuse requests then): every request is refused until it can
     */
    public Admission(Buckets buckets, BooleanSupplier meteringFull) {
        this.buckets = buckets;
        this.meteringFull = meteringFull;
    }

    /**
     * @param publicModel   the routed model's public name
     * @param clientAddress the client's address as the trusted proxies tell it, counted when no key was presented
     * @return a {@link Ticket} to settle when the response ends, or a {@link Refusal}
     */
    public Verdict admit(AccessPolicy policy, Caller caller, String publicModel, String clientAddress,
                         TokenDemand demand) {
        if (meteringFull.getAsBoolean()) {
            return new Refusal(ErrorKind.METERING_FULL, "Usage metering is full: requests are refused until it "
                    + "delivers what it holds.");
        }
        final SluiceConfig.ApiKey key = caller.key();
        if (key != null && !key.allowedModels().isEmpty() && !key.allowedModels().contains(publicModel)) {
            return new Refusal(ErrorKind.MODEL_NOT_ALLOWED, "The API key " + key.id()
                    + " may not use the model `" + publicModel + "`.");
        }
        final SluiceConfig.Limits limits = policy.limits();
        final SluiceConfig.RateLimits keyLimits = key == null ? SluiceConfig.RateLimits.NONE : key.limits();
        final SluiceConfig.RateLimits modelLimits = limits.models().getOrDefault(publicModel,
                SluiceConfig.RateLimits.NONE);
        if (keyLimits == SluiceConfig.RateLimits.NONE && modelLimits == SluiceConfig.RateLimits.NONE
                && (!caller.anonymous() || limits.perIp() == SluiceConfig.RateLimits.NONE)) {
            return caller.unlimited();
        }
        final List<Scoped> requests = new ArrayList<>(3);
        add(requests, "key " + caller.keyId(), key == null ? null : buckets.requests("key", key.id(), keyLimits));
        add(requests, "model " + publicModel, buckets.requests("model", publicModel, modelLimits));
        if (caller.anonymous()) {
            add(requests, "your address", buckets.address(clientAddress, limits.perIp()));
        }
        final List<Scoped> tokens = new ArrayList<>(2);
        add(tokens, "key " + caller.keyId(), key == null ? null : buckets.tokens("key", key.id(), keyLimits));
        add(tokens, "model " + publicModel, buckets.tokens("model", publicModel, modelLimits));
        for (int i = 0; i < requests.size(); i++) {
            final long wait = requests.get(i).bucket().tryTake(1);
            if (wait >= 0) {
                giveBack(requests.subList(0, i), 1);
                return limited(ErrorKind.RATE_LIMITED_REQUESTS, requests.get(i), wait, requests, tokens,
                        "requests");
            }
        }
        if (tokens.isEmpty()) {
            return new Ticket(caller, List.of(), 0);
        }
        final PromptTokens counter = policy.counter(publicModel);
        final long asked = demand.maxTokens();
        // Capped, so that an absurd max_tokens is refused as too large instead of overflowing.
        final long reserve = Math.min(MAX_RESERVE, (counter == null ? 0 : demand.promptTokens(counter))
                + Math.min(MAX_RESERVE, asked >= 0 ? asked : policy.assumedMaxTokens()));
        for (int i = 0; i < tokens.size(); i++) {
            final Scoped scoped = tokens.get(i);
            if (reserve > scoped.bucket().capacity()) {
                giveBack(requests, 1);
                giveBack(tokens.subList(0, i), reserve);
                return new Refusal(ErrorKind.RATE_LIMITED_TOKENS, "Request too large for the tokens per minute of "
                        + scoped.scope() + ": limit " + scoped.bucket().capacity() + ", requested " + reserve
                        + " (the prompt, estimated, and max_tokens). Ask for fewer tokens.",
                        headers(requests, tokens, null, 0));
            }
            final long wait = scoped.bucket().tryTake(reserve);
            if (wait >= 0) {
                giveBack(requests, 1);
                giveBack(tokens.subList(0, i), reserve);
                return limited(ErrorKind.RATE_LIMITED_TOKENS, scoped, wait, requests, tokens, "tokens");
            }
        }
        return new Ticket(caller, tokens.stream().map(Scoped::bucket).toList(), reserve);
    }

    /** A bucket and whose it is, in words for the client. */
    private record Scoped(String scope, TokenBucket bucket) {
    }

    private static void add(List<Scoped> list, String scope, TokenBucket bucket) {
        if (bucket != null) {
            list.add(new Scoped(scope, bucket));
        }
    }

    private static void giveBack(List<Scoped> taken, long n) {
        taken.forEach(scoped -> scoped.bucket().giveBack(n));
    }

    private static Refusal limited(ErrorKind kind, Scoped refused, long waitNanos, List<Scoped> requests,
                                   List<Scoped> tokens, String what) {
        return new Refusal(kind, "Rate limit reached for " + what + " on " + refused.scope() + ": limit "
                + refused.bucket().capacity() + ", remaining " + refused.bucket().remaining() + ". Please try again in "
                + RateLimitHeaders.duration(waitNanos) + ".",
                headers(requests, tokens, refused, waitNanos));
    }

    private static List<Map.Entry<String, String>> headers(List<Scoped> requests, List<Scoped> tokens,
                                                           Scoped refused, long waitNanos) {
        final List<Map.Entry<String, String>> headers = new ArrayList<>(7);
        if (refused != null) {
            headers.add(Map.entry("retry-after",
                    Long.toString(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L)))));
        }
        RateLimitHeaders.add(headers, "requests", tightest(requests, refused));
        RateLimitHeaders.add(headers, "tokens", tightest(tokens, refused));
        return headers;
    }

    /** The refused bucket if it is in {@code scoped}, else the one with the least left. */
    private static TokenBucket tightest(List<Scoped> scoped, Scoped refused) {
        TokenBucket tightest = null;
        for (Scoped s : scoped) {
            if (s == refused) {
                return s.bucket();
            }
            if (tightest == null || s.bucket().remaining() < tightest.remaining()) {
                tightest = s.bucket();
            }
        }
        return tightest;
    }
}
