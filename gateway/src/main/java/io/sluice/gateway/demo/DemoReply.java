package io.sluice.gateway.demo;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** One answer of the demo model: its pieces (cut to the request's token limit), and its usage. */
record DemoReply(String id, long created, String model, List<String> pieces, String finishReason,
                 int promptTokens, int completionTokens) {
    private static final AtomicLong NEXT_ID = new AtomicLong();

    /**
     * The reply, cut where its next piece would take it past the request's token limit: a piece such as "demo." is
     * two tokens, so the limit counts tokens, as usage does, and the usage reported is what was sent.
     */
    static DemoReply answer(DemoRequest request, String reply) {
        final List<String> pieces = new ArrayList<>();
        int tokens = 0;
        boolean cut = false;
        for (String piece : DemoTokens.pieces(reply)) {
            final int count = DemoTokens.count(piece);
            if (tokens + count > request.maxTokens()) {
                cut = true;
                break;
            }
            pieces.add(piece);
            tokens += count;
        }
        return new DemoReply("demo-" + NEXT_ID.incrementAndGet(), Instant.now().getEpochSecond(), request.model(),
                List.copyOf(pieces), cut ? "length" : "stop", DemoTokens.promptTokens(request), tokens);
    }

    String text() {
        return String.join("", pieces);
    }

    int totalTokens() {
        return promptTokens + completionTokens;
    }
}
