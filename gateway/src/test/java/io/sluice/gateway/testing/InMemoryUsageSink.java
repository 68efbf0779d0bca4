package io.sluice.gateway.testing;

import io.sluice.gateway.usage.UsageRecord;
import io.sluice.gateway.usage.UsageSink;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A usage sink that keeps the records for a test to take. */
public final class InMemoryUsageSink implements UsageSink {
    private final BlockingQueue<UsageRecord> records = new LinkedBlockingQueue<>();

    @Override
    public void accept(List<UsageRecord> batch) {
        records.addAll(batch);
    }

    /** The next record, waiting up to 10 s. */
    public UsageRecord take() throws InterruptedException {
        final UsageRecord record = records.poll(10, TimeUnit.SECONDS);
        assertNotNull(record, "no usage record was reported");
        return record;
    }

    /**
     * The record of the request that got {@code response} (by its {@code x-request-id}), waiting up to 10 s for each
     * record; the records of earlier requests, which may come late, are passed over.
     */
    public UsageRecord takeFor(HttpResponse<?> response) throws InterruptedException {
        final String id = response.headers().firstValue("x-request-id").orElseThrow();
        UsageRecord record;
        do {
            record = take();
        } while (!id.equals(record.requestId()));
        return record;
    }

    public void clear() {
        records.clear();
    }
}
