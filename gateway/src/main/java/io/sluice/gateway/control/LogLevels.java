package io.sluice.gateway.control;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.sluice.codec.json.Json;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.AccessLog;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The log levels and the access line's format, from the config's {@code logging} section (at start, and on a reload
 * that changes it) and from the admin API at run time ({@code PUT /admin/v1/logging}, not written to the file: the
 * file's section applies again when it next changes). Levels are logback's, set on its logger context. Called on
 * the main thread and the config thread, in turn.
 */
public final class LogLevels {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LogLevels.class);

    /** The loggers set by name so far (the root aside), with their levels. */
    private final Map<String, String> named = new TreeMap<>();
    /**
     * Each logger's level before Sluice first set it (logback.xml's, LOG_LEVEL's for the root; null: inherited), which
     * it returns to when neither the config nor the admin API sets it any more.
     */
    private final Map<String, Level> original = new HashMap<>();
    private SluiceConfig.Logging applied;

    /** Applies {@code logging} unless it is what was applied last; what it no longer names returns to its own level. */
    public synchronized void apply(SluiceConfig.Logging logging) {
        if (logging.equals(applied)) {
            return;
        }
        applied = logging;
        original.forEach((name, level) -> context().getLogger(name).setLevel(level));
        named.clear();
        if (logging.level() != null) {
            setLevel(Logger.ROOT_LOGGER_NAME, logging.level());
        }
        logging.loggers().forEach(this::setLevel);
        AccessLog.format(logging.accessLog());
    }

    /** Returns every logger Sluice set to its own level: the gateway stops, and the JVM may run on (tests, embedding). */
    public synchronized void restore() {
        original.forEach((name, level) -> context().getLogger(name).setLevel(level));
        original.clear();
        named.clear();
        applied = null;
    }

    /**
     * Sets loggers' levels ({@code root} for the root logger) at run time: all of them, or none when one is not a
     * level logback knows.
     *
     * @throws ConfigException when a level is not one logback knows
     */
    public synchronized void set(Map<String, String> levels) {
        final Map<String, String> checked = new LinkedHashMap<>();
        levels.forEach((logger, level) -> {
            final String lower = level.strip().toLowerCase(Locale.ROOT);
            if (!ConfigLoader.LOG_LEVELS.contains(lower)) {
                throw new ConfigException("'" + level + "' is not a log level: one of " + ConfigLoader.LOG_LEVELS);
            }
            checked.put(logger.strip(), lower);
        });
        checked.forEach((logger, level) -> {
            setLevel(logger, level);
            LOG.info("log level of {} set to {} through the admin API", logger, level);
        });
    }

    private void setLevel(String logger, String level) {
        final boolean root = logger.equalsIgnoreCase(Logger.ROOT_LOGGER_NAME);
        final Logger target = context().getLogger(root ? Logger.ROOT_LOGGER_NAME : logger);
        if (!original.containsKey(target.getName())) {
            // Not putIfAbsent: an inherited level is null, which it would take for no entry.
            original.put(target.getName(), target.getLevel());
        }
        target.setLevel(Level.toLevel(level));
        if (!root) {
            named.put(logger, level);
        }
    }

    /** {@code {"level": root, "loggers": {name: level}, "access_log": text|json}}. */
    public synchronized byte[] render() {
        return Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("level", context().getLogger(Logger.ROOT_LOGGER_NAME).getLevel().toString()
                    .toLowerCase(Locale.ROOT));
            g.writeObjectFieldStart("loggers");
            for (Map.Entry<String, String> entry : named.entrySet()) {
                g.writeStringField(entry.getKey(), entry.getValue());
            }
            g.writeEndObject();
            g.writeStringField("access_log", applied == null ? "text"
                    : applied.accessLog().name().toLowerCase(Locale.ROOT));
            g.writeEndObject();
        });
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
