package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.StreamUsageTee;
import io.sluice.codec.usage.Usage;
import io.sluice.codec.usage.UsageKeyMatcher;
import io.sluice.providers.StreamWatcher;

/**
 * Watches an OpenAI stream relayed byte for byte: its usage ({@link StreamUsageTee}, which also names the usage-only
 * chunk Sluice asked for on the client's behalf) and, for the operations whose streams end with a finish reason and
 * {@code [DONE]}, whether it ended whole ({@link OpenAiStreamEnd}).
 *
 * <p>Both look for one letter of their key in every event: the usage key's {@code g} and the finish reason's
 * {@code _} (one of each, or none, in most chunks; an OpenAI chunk holds about six of the two). The framer's pass
 * places them as it finds where the event ends; only an event it did not see whole is searched here. The bytes
 * around and after each letter rule out nearly all of them (other words, and the keys whose value is {@code null})
 * before the buffer is read again.
 */
final class OpenAiStreamWatcher implements StreamWatcher {
    private final StreamUsageTee tee;
    /** Null for an operation without a final event Sluice knows. */
    private final OpenAiStreamEnd end;
    /** The letters of an event the framer did not place; null until the first such event. */
    private BytePlaces found;

    OpenAiStreamWatcher(boolean hasFinalEvent, boolean dropUsageOnlyEvents) {
        this.tee = new StreamUsageTee(dropUsageOnlyEvents);
        this.end = hasFinalEvent ? new OpenAiStreamEnd() : null;
    }

    @Override
    public SseEventFramer framer() {
        return new SseEventFramer(UsageKeyMatcher.LETTER, OpenAiStreamEnd.LETTER);
    }

    @Override
    public boolean onEvent(ByteBuf buf, int from, int to, BytePlaces letters) {
        BytePlaces places = letters;
        if (places == null) {
            if (found == null) {
                found = new BytePlaces();
            }
            found.collect(buf, from, to, UsageKeyMatcher.LETTER, OpenAiStreamEnd.LETTER);
            places = found;
        }
        if (end != null) {
            end.onEvent(buf, from, to, places);
        }
        return tee.onEvent(buf, from, to, places);
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
