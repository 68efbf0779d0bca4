package io.sluice.testkit;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Registered for every test class through
 * JUnit's extension auto-detection (see junit-platform.properties in this test-jar).
 *
 * <p>Netty reports a leak only after the garbage collector has found the unreleased buffer and a later
 * allocation looks at the queue; so after each class this collects garbage until a sentinel object is known to
 * be collected, allocates to make the detector look, and then reads the reports.
 */
public final class LeakGate implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "tests must run with -Dio.netty.leakDetection.level=paranoid");
        collectGarbage();
        ByteBufAllocator.DEFAULT.buffer(1).release();
        Unpooled.buffer(1).release();
        final List<String> reports = RecordingLeakDetector.drain();
        if (!reports.isEmpty()) {
            fail(reports.size() + " leak report(s) while " + context.getDisplayName() + " ran:\n"
                    + String.join("\n", reports));
        }
    }

    private static void collectGarbage() throws InterruptedException {
        final ReferenceQueue<Object> queue = new ReferenceQueue<>();
        PhantomReference<Object> sentinel = new PhantomReference<>(new Object(), queue);
        for (int i = 0; i < 20 && queue.remove(100) == null; i++) {
            System.gc();
        }
        sentinel.clear();
    }
}
