package io.sluice.gateway.demo;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** One answer of the demo model: its pieces (cut to the request's token limit), and its usage. */
record DemoReply(String id, long created, String model, List<String> pieces, String finishReason,
                 int promptTokens, int completionTokens) {
    private static final AtomicLong NEXT_ID = new AtomicLong();

    static DemoReply answer(DemoRequest request, String reply) {
        final List<String> all = DemoTokens.pieces(reply);
        final boolean cut = all.size() > request.maxTokens();
        final List<String> pieces = cut ? all.subList(0, request.maxTokens()) : all;
        return new DemoReply("demo-" + NEXT_ID.incrementAndGet(), Instant.now().getEpochSecond(), request.model(),
                List.copyOf(pieces), cut ? "length" : "stop", DemoTokens.promptTokens(request),
                DemoTokens.count(String.join("", pieces)));
    }

    String text() {
        return String.join("", pieces);
    }

    int totalTokens() {
        return promptTokens + completionTokens;
    }
}
