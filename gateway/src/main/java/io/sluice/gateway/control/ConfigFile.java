package io.sluice.gateway.control;

import io.sluice.gateway.config.ConfigException;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The YAML file the gateway runs from: read and checked, and written the only safe way: the new text is checked
 * first, written to a temporary file beside it and forced to disk, the current file is kept as {@code NAME.bak},
 * and the new one is renamed over it (an atomic replace: a reader or a crash sees the old file or the new one,
 * never half of one). Loaded by the thread that starts the gateway, then used by the config thread only (blocking
 * file I/O, never on an event loop).
 */
public final class ConfigFile {
    private final Path path;
    private final Path dir;
    private final Map<String, String> environment;
    private volatile String loadedText;

    public ConfigFile(Path path, Map<String, String> environment) {
        this.path = path.toAbsolutePath();
        this.dir = this.path.getParent();
        this.environment = environment;
    }

    public Path path() {
        return path;
    }

    /**
     * Reads and checks the file, as the gateway does when it starts; its text is then {@link #loadedText}, which a
     * later change to the file is told from.
     */
    public SluiceConfig load() {
        final String text = text();
        final SluiceConfig config = check(text);
        loadedText = text;
        return config;
    }

    /** The text {@link #load} read, or null before it has. */
    public String loadedText() {
        return loadedText;
    }

    /** The file's text as it is on disk. */
    public String text() {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new ConfigException(path + ": the config file is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read the config file (" + e.getMessage() + ")");
        }
    }

    /** Checks {@code text} as the file would be read; throws {@link ConfigException} naming the field. */
    public SluiceConfig check(String text) {
        return ConfigLoader.parse(text, path.toString(), EnvResolver.forConfigDir(dir, environment), dir);
    }

    /**
     * Writes {@code text} (checked by the caller) in place of the file, keeping the old one as the backup; the new
     * file gets the old one's permissions, which may keep secrets from other users.
     */
    public void write(String text) {
        Path temporary = null;
        try {
            // A symlinked config (a mounted secret, a file kept elsewhere) is written where the link points.
            final Path target = Files.exists(path) ? path.toRealPath() : path;
            temporary = target.resolveSibling("." + target.getFileName() + ".new");
            Files.deleteIfExists(temporary);
            try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), permissionsOf(target))) {
                channel.write(StandardCharsets.UTF_8.encode(text));
                channel.force(true);
            }
            keepPermissions(target, temporary);
            if (Files.exists(target)) {
                Files.copy(target, backup(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(target.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write the config file (" + e.getMessage() + ")", e);
        } finally {
            try {
                if (temporary != null) {
                    Files.deleteIfExists(temporary);
                }
            } catch (IOException ignored) {
                // It is only a leftover beside the file; the next write truncates it.
            }
        }
    }

    /** Gives {@code made} the permissions of {@code original} exactly (a create is masked by the umask). */
    private static void keepPermissions(Path original, Path made) throws IOException {
        if (Files.exists(original) && original.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(made, Files.getPosixFilePermissions(original));
        }
    }

    /** The POSIX permissions of {@code file} as a file attribute, or none where there are none. */
    private static FileAttribute<?>[] permissionsOf(Path file) throws IOException {
        if (!Files.exists(file) || !file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(Files.getPosixFilePermissions(file))};
    }

    /** Where the file before the last write is kept. */
    public Path backup() {
        return dir.resolve(path.getFileName() + ".bak");
    }

    /** The rename is durable once the directory entry is: not every file system lets a directory be forced. */
    private static void forceDirectory(Path dir) {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException ignored) {
            // Best effort, as in most databases' own write paths on such systems.
        }
    }
}
