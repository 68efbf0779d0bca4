package io.sluice.gateway.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Keeps every log event of one logger (and its children) while open, from any thread. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger logger;
    private final BlockingQueue<ILoggingEvent> events = new LinkedBlockingQueue<>();

    public LogCapture(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        setName("capture-" + loggerName);
        start();
        logger.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        events.add(event);
    }

    /** The next message, waiting up to 10 s. */
    public String next() throws InterruptedException {
        final ILoggingEvent event = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(event, "nothing was logged on " + logger.getName());
        return event.getFormattedMessage();
    }

    /** Every message so far. */
    public List<String> all() {
        final List<String> messages = new ArrayList<>();
        events.forEach(event -> messages.add(event.getFormattedMessage()));
        return messages;
    }

    /** Every message so far with the class and message of each exception attached to it, causes included. */
    public List<String> allWithExceptions() {
        final List<String> messages = new ArrayList<>();
        events.forEach(event -> messages.add(withExceptions(event)));
        return messages;
    }

    /**
     * The messages so far that an operator would take for trouble: WARN or worse, or carrying an exception.
     * An access-log line at INFO is not one, whether or not a race let its request begin.
     */
    public List<String> problems() {
        final List<String> messages = new ArrayList<>();
        for (ILoggingEvent event : events) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN) || event.getThrowableProxy() != null) {
                messages.add(withExceptions(event));
            }
        }
        return messages;
    }

    private static String withExceptions(ILoggingEvent event) {
        final StringBuilder text = new StringBuilder(event.getFormattedMessage());
        for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
            text.append(" | ").append(cause.getClassName()).append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
