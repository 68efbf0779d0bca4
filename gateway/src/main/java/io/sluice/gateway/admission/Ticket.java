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
     * debt. With no count (the backend reported none, or the client left before it came) the reservation stands:
     * the backend may have spent all of it.
     */
    public void settle(Usage usage) {
        if (tokenBuckets.isEmpty() || settled) {
            // A ticket with no buckets may be shared by requests on several loops: it is never written.
            return;
        }
        settled = true;
        if (usage == null) {
            return;
        }
        final long difference = usage.totalTokens() - reserved;
        for (TokenBucket bucket : tokenBuckets) {
            if (difference < 0) {
                bucket.giveBack(-difference);
            } else if (difference > 0) {
                bucket.charge(difference);
            }
        }
    }
}
