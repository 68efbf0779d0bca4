package io.sluice.gateway.usage;

import java.util.List;

/** Where usage records end up. Called on the usage reporter's own thread, never on an event loop. */
public interface UsageSink {
    /** Takes a batch of records in arrival order; may block. */
    void accept(List<UsageRecord> batch);
}
