package io.sluice.gateway.usage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Writes each usage record as one JSON line to the {@code sluice.usage} logger. */
public final class LoggingUsageSink implements UsageSink {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.usage");

    @Override
    public void accept(List<UsageRecord> batch) {
        for (UsageRecord record : batch) {
            LOG.info(UsageJson.toJson(record));
        }
    }
}
