package io.sluice.gateway.testing;

import io.sluice.gateway.usage.UsageRecord;
import io.sluice.gateway.usage.UsageSink;

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

    public void clear() {
        records.clear();
    }
}
