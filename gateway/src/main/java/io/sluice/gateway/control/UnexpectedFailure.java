package io.sluice.gateway.control;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a failure nothing expected is written to the log by the config and admin paths: its class and where it was
 * thrown, without its message, which may quote a value of the config file or of the request (a key, say). Stateless.
 */
final class UnexpectedFailure {
    private static final int FRAMES = 8;

    private UnexpectedFailure() {
    }

    /** {@code java.lang.ClassCastException at a.b.C.m(C.java:12) < ...}, the innermost cause's. */
    static String describe(Throwable thrown) {
        Throwable cause = thrown;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getName() + " at " + Arrays.stream(cause.getStackTrace()).limit(FRAMES)
                .map(StackTraceElement::toString).collect(Collectors.joining(" < "))
                + " (its message is left out: it may quote the config or the request)";
    }
}
