package io.sluice.gateway.admission;

import io.sluice.codec.usage.Usage;

import java.util.List;

/**
 * A request let in: who sent it, and the tokens reserved for it in its tokens-per-minute buckets until
 * {@link #settle} learns what it used. Used on the request's event loop; settled once. A ticket with no buckets
 * holds nothing to settle and is immutable.
 *
 * @param caller the request's caller, whose key id goes into the usage record
 */
public final class Ticket implements Verdict {
    private final Caller caller;
    private final List<TokenBucket> tokenBuckets;
    private final long reserved;
    private boolean settled;

    Ticket(Caller caller, List<TokenBucket> tokenBuckets, long reserved) {
        this.caller = caller;
        this.tokenBuckets = tokenBuckets;
        this.reserved = reserved;
    }

    public Caller caller() {
        return caller;
    }

    /** Tokens reserved at admission: the estimated prompt and the completion it may ask for. */
    public long reserved() {
        return reserved;
    }

    /**
     * The response ended: what was reserved is corrected to what the backend counted, given back or charged as a
     * debt. With no count, a request that relayed no answer (refused, failed, or left before its first token) gives
     * it all back; one whose answer had started keeps it, since the backend may have spent all of it.
     *
     * @param answered whether any of the backend's answer reached the client
     */
    public void settle(Usage usage, boolean answered) {
        if (tokenBuckets.isEmpty() || settled) {
            // A ticket with no buckets may be shared by requests on several loops: it is never written.
            return;
        }
        settled = true;
        if (usage == null && answered) {
            return;
        }
        final long difference = (usage == null ? 0 : usage.totalTokens()) - reserved;
        for (TokenBucket bucket : tokenBuckets) {
            if (difference < 0) {
                bucket.giveBack(-difference);
            } else if (difference > 0) {
                bucket.charge(difference);
            }
        }
    }
}
