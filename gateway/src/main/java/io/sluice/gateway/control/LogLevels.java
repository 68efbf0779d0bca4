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

    /** The loggers set by name so far, which a new config's section resets when it no longer names them. */
    private final Map<String, String> named = new TreeMap<>();
    private SluiceConfig.Logging applied;

    /** Applies {@code logging} unless it is what was applied last. */
    public synchronized void apply(SluiceConfig.Logging logging) {
        if (logging.equals(applied)) {
            return;
        }
        applied = logging;
        for (String name : named.keySet()) {
            if (!logging.loggers().containsKey(name)) {
                context().getLogger(name).setLevel(null);
            }
        }
        named.clear();
        if (logging.level() != null) {
            setLevel(Logger.ROOT_LOGGER_NAME, logging.level());
        }
        logging.loggers().forEach(this::setLevel);
        AccessLog.format(logging.accessLog() == SluiceConfig.AccessFormat.JSON ? AccessLog.Format.JSON
                : AccessLog.Format.TEXT);
    }

    /**
     * Sets one logger's level ({@code root} for the root logger) at run time.
     *
     * @throws ConfigException when the level is not one logback knows
     */
    public synchronized void set(String logger, String level) {
        final String lower = level.strip().toLowerCase(Locale.ROOT);
        if (!ConfigLoader.LOG_LEVELS.contains(lower)) {
            throw new ConfigException("'" + level + "' is not a log level: one of " + ConfigLoader.LOG_LEVELS);
        }
        setLevel(logger, lower);
        LOG.info("log level of {} set to {} through the admin API", logger, lower);
    }

    private void setLevel(String logger, String level) {
        if (logger.equalsIgnoreCase(Logger.ROOT_LOGGER_NAME)) {
            context().getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level));
        } else {
            context().getLogger(logger).setLevel(Level.toLevel(level));
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
