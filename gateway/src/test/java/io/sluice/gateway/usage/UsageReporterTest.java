package io.sluice.gateway.usage;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageReporterTest {

    @Test
    void deliversEveryRecordInOrderToEverySink() throws Exception {
        final List<String> first = Collections.synchronizedList(new ArrayList<>());
        final List<String> second = Collections.synchronizedList(new ArrayList<>());
        final List<String> expected = new ArrayList<>();
        try (UsageReporter reporter = new UsageReporter(10_000, List.of(ids(first), ids(second)), List.of())) {
            for (int i = 0; i < 2_000; i++) {
                reporter.report(record("r" + i));
                expected.add("r" + i);
            }
        }
        assertEquals(expected, first, "closing drains the queue, in arrival order");
        assertEquals(expected, second);
    }

    @Test
    void aFullQueueNeitherBlocksTheCallerNorDropsARecord() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch stuck = new CountDownLatch(1);
        final List<String> delivered = Collections.synchronizedList(new ArrayList<>());
        final UsageSink slow = batch -> {
            stuck.countDown();
            await(release);
            batch.forEach(r -> delivered.add(r.requestId()));
        };
        try (UsageReporter reporter = new UsageReporter(4, List.of(slow), List.of())) {
            reporter.report(record("held"));
            assertTrue(stuck.await(10, TimeUnit.SECONDS), "the sink took the first batch");
            for (int i = 0; i < 10; i++) {
                reporter.report(record("q" + i)); // returns at once even though the sink is stuck
            }
            release.countDown();
        }
        assertEquals(List.of("held", "q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"), delivered,
                "four fit in the queue; six waited beyond it, in order; none was dropped");
    }

    @Test
    void aFailingSinkDoesNotStopTheOthers() throws Exception {
        final List<String> delivered = Collections.synchronizedList(new ArrayList<>());
        final UsageSink failing = batch -> {
            throw new IllegalStateException("webhook down");
        };
        try (UsageReporter reporter = new UsageReporter(100, List.of(failing, ids(delivered)), List.of())) {
            reporter.report(record("a"));
            reporter.report(record("b"));
        }
        assertEquals(List.of("a", "b"), delivered);
    }

    private static UsageSink ids(List<String> into) {
        return batch -> batch.forEach(r -> into.add(r.requestId()));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static UsageRecord record(String id) {
        return new UsageRecord(id, null, null, null, "m", "m", "p", "http://b", "/v1/chat/completions", true, 200, 1, 2, 3,
                0, 0, "upstream", 1, 2, Instant.EPOCH, List.of());
    }
}
