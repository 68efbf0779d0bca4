package io.sluice.testkit;

import io.netty.util.ResourceLeakDetector;

import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detector with its reports kept, so that {@link LeakGate} can fail the test run on them. Netty
 * builds it through {@code -Dio.netty.customResourceLeakDetector}, set for every test JVM in the root pom.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<String> REPORTS = new ArrayList<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        record("LEAK: " + resourceType + " was released by garbage collection, not by release()." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        record("LEAK: " + resourceType + " was released by garbage collection, not by release().");
        super.reportUntracedLeak(resourceType);
    }

    private static void record(String report) {
        synchronized (REPORTS) {
            REPORTS.add(report);
        }
    }

    /** Returns and forgets the reports so far. */
    static List<String> drain() {
        synchronized (REPORTS) {
            final List<String> reports = new ArrayList<>(REPORTS);
            REPORTS.clear();
            return reports;
        }
    }
}
