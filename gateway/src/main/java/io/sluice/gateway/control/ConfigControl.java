package io.sluice.gateway.control;

import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigYaml;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Every way the running config changes, one at a time on a thread of its own ({@code sluice-config}), never on an
 * event loop: a reload of the file (on SIGHUP, when the file changes, or asked by the admin API), and the admin
 * API's edits, each checked before anything is written, then written atomically and applied. A check that fails
 * changes nothing and its error names the field; it is logged and given back to the caller.
 */
public final class ConfigControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigControl.class);
    /** Editors save in bursts (truncate, write, rename): the file is read once it has been quiet this long. */
    private static final long SETTLE_MILLIS = 200;

    private final ConfigFile file;
    private final Reloader reloader;
    private final Supplier<GatewaySnapshot> running;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        final Thread t = new Thread(task, "sluice-config");
        t.setDaemon(true);
        return t;
    });
    /** The text last applied or written, so that a write of our own does not come back as a change. */
    private volatile String applied;
    private WatchService watcher;

    /**
     * @param file    the file the gateway runs from, {@link ConfigFile#load loaded}, or null when it runs from the
     *                built-in config (then nothing can be reloaded or written)
     * @param reloader makes a checked config the running one
     * @param running  the running snapshot
     */
    public ConfigControl(ConfigFile file, Reloader reloader, Supplier<GatewaySnapshot> running) {
        this.file = file;
        this.reloader = reloader;
        this.running = running;
        this.applied = file == null ? null : file.loadedText();
    }

    public GatewaySnapshot running() {
        return running.get();
    }

    /** Whether there is a file to reload and write. */
    public boolean hasFile() {
        return file != null;
    }

    /** Reads, checks and applies the file as it is now. */
    public CompletableFuture<ReloadResult> reload(String why) {
        return onConfigThread(() -> {
            try {
                final String text = requireFile().text();
                final ReloadResult result = reloader.reload(file.check(text));
                applied = text;
                return result;
            } catch (ConfigException e) {
                LOG.warn("config reload ({}) refused, the running config stays: {}", why, e.getMessage());
                throw e;
            } catch (RuntimeException e) {
                // Whoever asked may not look at the answer (the file watch, SIGHUP): the log is told either way.
                LOG.error("config reload ({}) failed, the running config stays: {}", why,
                        UnexpectedFailure.describe(e));
                throw e;
            }
        });
    }

    /** The file's text. */
    public CompletableFuture<String> text() {
        return onConfigThread(() -> requireFile().text());
    }

    /** Checks {@code text} as a config, and builds it (a CA file is read, for one), changing nothing. */
    public CompletableFuture<SluiceConfig> check(String text) {
        return onConfigThread(() -> {
            final SluiceConfig checked = requireFile().check(text);
            reloader.stage(checked);
            reloader.discard();
            return checked;
        });
    }

    /** Checks {@code text}, writes it as the file and applies it. */
    public CompletableFuture<ReloadResult> replace(String text) {
        return onConfigThread(() -> write(text));
    }

    /** Applies {@code change} to the file's tree, then as {@link #replace}. */
    public CompletableFuture<ReloadResult> edit(UnaryOperator<Map<String, Object>> change) {
        return onConfigThread(() -> write(ConfigYaml.dump(change.apply(
                ConfigTree.mapping(requireFile().text(), file.path().getFileName().toString())))));
    }

    /**
     * Checks and builds {@code text} first, so that what only building finds is refused before the file is
     * touched; then writes it and applies what was built.
     */
    private ReloadResult write(String text) {
        final GatewaySnapshot staged = reloader.stage(requireFile().check(text));
        try {
            file.write(text);
        } catch (RuntimeException e) {
            reloader.discard();
            throw e;
        }
        applied = text;
        return reloader.commit(staged);
    }

    /** Runs {@code task} on the config thread, where every change and every file read happens. */
    public <T> CompletableFuture<T> onConfigThread(Supplier<T> task) {
        try {
            return CompletableFuture.supplyAsync(task, thread);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new ConfigException("the gateway is shutting down"));
        }
    }

    private ConfigFile requireFile() {
        if (file == null) {
            throw new ConfigException("the gateway runs from its built-in config; start it with --config FILE to "
                    + "reload or change it");
        }
        return file;
    }

    /**
     * Reloads whenever the file changes on disk: its directory is watched, so a rename over it counts too, and so
     * is the directory of the file it links to.
     */
    public void watch() throws IOException {
        if (file == null) {
            return;
        }
        watcher = FileSystems.getDefault().newWatchService();
        final Path named = file.path();
        final Path real = named.toRealPath();
        // A config that is a link to a file elsewhere (a checkout, say) is edited there, where the link's directory
        // sees nothing.
        for (Path dir : Set.copyOf(List.of(named.getParent(), real.getParent()))) {
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        }
        final Set<Path> names = Set.copyOf(List.of(named.getFileName(), real.getFileName()));
        final Thread watching = new Thread(() -> watchLoop(names), "sluice-config-watch");
        watching.setDaemon(true);
        watching.start();
        // A change saved while the gateway started, after the file was read and before the watch began, made no
        // event the watch could see.
        onConfigThread(this::reloadIfChanged);
    }

    /** Reloads the file when its text is not the one last applied or written (a write of our own is not a change). */
    private Void reloadIfChanged() {
        try {
            if (!requireFile().text().equals(applied)) {
                reload("the file changed");
            }
        } catch (ConfigException e) {
            LOG.warn("config file watch: {}; the running config stays", e.getMessage());
        }
        return null;
    }

    /** @param names the config's name, and the name of the file it links to */
    private void watchLoop(Set<Path> names) {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean ours = false;
                // Gather what arrives while the editor is still saving, then read once; at most a second, so that
                // a log file written beside the config cannot put the reload off for ever.
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                do {
                    for (WatchEvent<?> event : key.pollEvents()) {
                        // The file itself, or the "..data" link a Kubernetes ConfigMap swaps beside it.
                        ours |= names.contains(event.context())
                                || String.valueOf(event.context()).startsWith("..");
                    }
                    key.reset();
                } while (System.nanoTime() < until
                        && (key = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null);
                if (ours) {
                    onConfigThread(this::reloadIfChanged);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        // Changes already asked for are finished (and answered): a file half-applied at exit helps no one.
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
