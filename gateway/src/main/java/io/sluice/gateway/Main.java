package io.sluice.gateway;

import io.sluice.gateway.admission.KeyHash;
import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.control.ConfigFile;
import io.sluice.gateway.metrics.GatewayMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code java -jar sluice.jar [--config PATH]}: loads the config, starts the gateway, and stops it on SIGTERM.
 * The config is {@code --config}, else {@code $SLUICE_CONFIG}, else {@code conf/sluice.yaml}, else the default
 * built into the jar. A config error stops start-up with one line naming the field, and exit status 2.
 */
public final class Main {
    private static final String DEFAULT_CONFIG = "conf/sluice.yaml";
    private static final String LEAK_SAMPLING = "io.netty.leakDetection.samplingInterval";
    private static final String RECYCLER_BATCH = "io.netty.recycler.chunkSize";
    private static final String USAGE = """
            Usage: java -jar sluice.jar [--config PATH]
                   java -jar sluice.jar hash-key

            Sluice, a streaming gateway for LLM APIs.

              hash-key        print a new client or admin key and the hash to store in the config

              --config PATH   the YAML config (default: $SLUICE_CONFIG, else conf/sluice.yaml,
                              else the built-in default, which serves the offline demo model)
              --help          print this help
              --version       print the version
            """;

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        setNettyDefaults();
        if (args.length == 1 && args[0].equals("hash-key")) {
            printNewKey(System.out);
            return;
        }
        String configPath = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                case "--version", "-V" -> {
                    System.out.println("sluice " + Version.current());
                    return;
                }
                case "--config", "-c" -> {
                    if (i + 1 == args.length) {
                        exit(System.err, "--config needs a path", 2);
                    }
                    configPath = args[++i];
                }
                default -> {
                    if (args[i].startsWith("--config=")) {
                        configPath = args[i].substring("--config=".length());
                    } else {
                        exit(System.err, "unknown argument '" + args[i] + "' (see --help)", 2);
                    }
                }
            }
        }
        final ConfigFile file;
        final SluiceConfig config;
        try {
            file = configFile(configPath, System.getenv());
            config = file == null ? builtInConfig(System.getenv()) : file.load();
        } catch (ConfigException e) {
            exit(System.err, "config error: " + e.getMessage(), 2);
            return;
        }
        // The handler goes in before the gateway listens: a SIGHUP that came between the first answered request and
        // a handler installed after start-up took the JVM's default action and ended it.
        final AtomicReference<Sluice> started = new AtomicReference<>();
        reloadOnHangUp(started);
        final Sluice sluice;
        try {
            sluice = Sluice.start(config, file, List.of());
        } catch (ConfigException e) {
            exit(System.err, "config error: " + e.getMessage(), 2);
            return;
        } catch (StartException e) {
            exit(System.err, e.getMessage(), 1);
            return;
        } catch (RuntimeException e) {
            exit(System.err, "cannot start: " + e, 1);
            return;
        }
        started.set(sluice);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                sluice.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-shutdown"));
        sluice.awaitClose();
    }

    /** A new key, shown once, and the hash that goes into the config: {@code auth.keys[].hash} or {@code admin.key_hash}. */
    static void printNewKey(PrintStream out) {
        final String key = KeyHash.newKey();
        out.println("key:  " + key);
        out.println("hash: " + KeyHash.of(key));
        out.println("Give the key to its user; it is not stored anywhere. Put the hash in the config, e.g.");
        out.println("  auth: { mode: keys, keys: [ { id: team-a, hash: \"" + KeyHash.of(key) + "\" } ] }");
    }

    /**
     * Three Netty settings whose defaults cost every request CPU (bench/RESULTS.md), each kept unless a {@code -D} on the
     * command line sets it; runs before any Netty class is loaded, since each is read once.
     * <ul>
     * <li>The leak detector follows one buffer in 128 by default, and recording where each followed buffer was made and
     * released cost 2-3 % of a small request's CPU, and one in 1,024 still 0.9 %. One in 4,096 costs a quarter of
     * that and still reports a leak that recurs: each buffer is followed by chance, so a buffer leaked on every
     * request is reported after about 4,096 requests. The tests follow every buffer.</li>
     * <li>The pooled allocator counts the bytes its buffers hold in a shared adder at every allocation (1.2 % of a
     * small request's CPU), for {@code PooledByteBufAllocator.pinnedDirectMemory()}, which nothing in Sluice reads: its
     * memory gauge is Netty's direct memory counter.</li>
     * <li>Netty's pools of small objects (write queue entries, buffer cache entries, slices) put the first 32 freed
     * per event loop and per kind in a plain array, and the rest (up to 4,096) in the loop's own multi-producer
     * queue, asking first whether the loop's thread has ended ({@code Thread.getState}); a take from an empty array
     * polls that queue. Writing a batch of events and releasing its write entries at once passes 32 on every stream:
     * on the two-write stream the pools were 3.6 % of Sluice's CPU, 2.9 of it the queue and {@code getState}. With
     * 1,024 the queue is not reached and the pools were 1.9 %. The same setting sizes the queue's chunks, so each
     * pool takes about 8 KiB per thread up front instead of 0.3: tens of KiB for a gateway's few loops.</li>
     * </ul>
     */
    private static void setNettyDefaults() {
        setUnlessGiven(LEAK_SAMPLING, "4096");
        setUnlessGiven(GatewayMetrics.NETTY_TRACKS_PINNED_MEMORY, "false");
        setUnlessGiven(RECYCLER_BATCH, "1024");
    }

    private static void setUnlessGiven(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /**
     * The config file from the first place that names one, or null for the built-in config; also points logback at a
     * logback.xml beside it.
     */
    static ConfigFile configFile(String configPath, Map<String, String> environment) {
        String path = configPath != null ? configPath : environment.get("SLUICE_CONFIG");
        if (path == null && Files.isRegularFile(Path.of(DEFAULT_CONFIG))) {
            path = DEFAULT_CONFIG;
        }
        if (path == null) {
            useLogbackConfig(null);
            return null;
        }
        final Path file = Path.of(path);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(path + ": no such config file");
        }
        useLogbackConfig(file.toAbsolutePath().getParent().resolve("logback.xml"));
        return new ConfigFile(file, environment);
    }

    /**
     * {@code kill -HUP} reloads the config file, as nginx and HAProxy do; a refused file is logged and left. One that
     * comes while the gateway starts is let go: once the file watch begins, a file changed since the start read it
     * is reloaded.
     */
    private static void reloadOnHangUp(AtomicReference<Sluice> started) {
        // Made here, not as a field: logback reads its config when the first logger is made (useLogbackConfig).
        final Logger log = LoggerFactory.getLogger(Main.class);
        try {
            final SignalHandler before = Signal.handle(new Signal("HUP"), signal -> {
                final Sluice sluice = started.get();
                if (sluice == null) {
                    log.warn("SIGHUP during start-up let go: once started, the gateway reloads the file if it changed");
                    return;
                }
                log.info("SIGHUP: reloading the config file");
                // The reload logs what it applies, refuses or fails on.
                sluice.control().reload("SIGHUP");
            });
            // A SIGHUP ignored by whatever started the JVM (nohup does that) stays ignored: the JVM keeps it so
            // and takes no handler, and kill -HUP would do nothing, without a word.
            if (before == SignalHandler.SIG_IGN) {
                log.warn("SIGHUP is ignored in this process (started under nohup?): it will not reload the config; "
                        + "the file watch and the admin API still do");
            }
        } catch (IllegalArgumentException e) {
            // No SIGHUP on this system: the file watch and the admin API still reload.
        }
    }

    private static SluiceConfig builtInConfig(Map<String, String> environment) {
        try (InputStream in = Main.class.getResourceAsStream("/sluice.yaml")) {
            if (in == null) {
                throw new ConfigException("no config file given and none built in");
            }
            return ConfigLoader.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in sluice.yaml",
                    EnvResolver.forConfigDir(null, environment), null);
        } catch (IOException e) {
            throw new ConfigException("cannot read the built-in config: " + e.getMessage());
        }
    }

    /** Must run before the first logger is made: logback reads its config once. */
    private static void useLogbackConfig(Path logbackXml) {
        if (logbackXml != null && Files.isRegularFile(logbackXml)
                && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", logbackXml.toString());
        }
        LoggerFactory.getILoggerFactory();
    }

    private static void exit(PrintStream out, String message, int status) {
        out.println("sluice: " + message);
        System.exit(status);
    }
}
