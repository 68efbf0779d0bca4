package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.ByteSearch;
import io.sluice.codec.usage.StreamUsageTee;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.StreamWatcher;

/**
 * Watches an OpenAI stream relayed byte for byte: its usage ({@link StreamUsageTee}, which also names the usage-only
 * chunk Sluice asked for on the client's behalf) and, for the operations whose streams end with a finish reason and
 * {@code [DONE]}, whether it ended whole ({@link OpenAiStreamEnd}).
 */
final class OpenAiStreamWatcher implements StreamWatcher {
    private final StreamUsageTee tee;
    /** Null for an operation without a final event Sluice knows. */
    private final OpenAiStreamEnd end;

    OpenAiStreamWatcher(boolean hasFinalEvent, boolean dropUsageOnlyEvents) {
        this.tee = new StreamUsageTee(dropUsageOnlyEvents);
        this.end = hasFinalEvent ? new OpenAiStreamEnd() : null;
    }

    @Override
    public boolean onEvent(ByteBuf buf, int from, int to) {
        if (end == null || end.complete() || OpenAiStreamEnd.isShort(from, to)) {
            if (end != null) {
                end.onEvent(buf, from, to);
            }
            return tee.onEvent(buf, from, to);
        }
        // Both look for one letter of their key in every event: one pass finds the usage key's g and the finish
        // reason's underscore (one of each, or none, in most chunks).
        boolean usageKey = false;
        boolean finishReason = false;
        int at = ByteSearch.indexOfEither(buf, from, to, (byte) 'g', (byte) '_');
        while (at >= 0 && !(usageKey && finishReason)) {
            if (buf.getByte(at) == 'g') {
                usageKey = usageKey || tee.isUsageKeyAt(buf, at, from, to);
            } else {
                finishReason = finishReason || OpenAiStreamEnd.isFinishReasonAt(buf, at, from, to);
            }
            at = ByteSearch.indexOfEither(buf, at + 1, to, (byte) 'g', (byte) '_');
        }
        if (finishReason) {
            end.finishReasonSeen();
        }
        return usageKey && tee.onUsageEvent(buf, from, to);
    }

    @Override
    public boolean complete() {
        return end == null || end.complete();
    }

    @Override
    public Usage usage() {
        return tee.usage();
    }
}
