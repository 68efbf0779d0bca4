package io.sluice.gateway.usage;

import io.sluice.gateway.config.SluiceConfig.Fsync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A durable queue of records on disk, first in first out: what a sink has taken and not yet delivered survives a
 * crash and is replayed on the next start.
 *
 * <p>Records are appended to segment files ({@code 00000000000000000001.seg}, ...) of at most
 * {@value #SEGMENT_BYTES} bytes, each record as its length, a CRC32C of its bytes and the bytes; the position of the
 * first record not yet delivered is in {@code cursor}, replaced atomically after each delivery, and a segment wholly
 * delivered is deleted. A record whose length or checksum does not hold (a write torn by a crash, a damaged disk) is
 * never handed on: the rest of its segment is skipped, counted and logged, and on opening the last segment is cut
 * back to its last whole record. How often appends reach the disk ({@link Fsync}) is the operator's trade of safety
 * for speed; the total size is bounded, and an append past the bound is refused.
 *
 * <p>Thread: appends come from one thread (the usage reporter's), reads and acknowledgements from another (the sink's
 * delivery thread); every method holds the spool's lock, for the few microseconds of one batch's file operations.
 */
public final class Spool implements AutoCloseable {
    /** Where the spool lives and how it writes; {@code maxBytes} bounds the records waiting. */
    public record Settings(Path dir, long maxBytes, Fsync fsync, Duration fsyncInterval) {
    }

    /** Where a record starts: its segment's number and its offset in it. */
    public record Position(long segment, long offset) {
    }

    /** Records read from the spool, in order, from where the first was looked for to just past the last. */
    public record Batch(List<byte[]> records, Position first, Position end) {
    }

    static final long SEGMENT_BYTES = 16L * 1024 * 1024;
    private static final int HEADER = 8;
    private static final String SUFFIX = ".seg";
    private static final String CURSOR = "cursor";
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    private final Settings settings;
    /** Segment number to its size in bytes, for every segment on disk. */
    private final TreeMap<Long, Long> segments = new TreeMap<>();
    private Position cursor;
    private FileChannel writer;
    private long writerSegment;
    private long bytes;
    private long records;
    private long lastForce = System.nanoTime();
    private long corrupt;

    private Spool(Settings settings) {
        this.settings = settings;
    }

    /** Opens the spool in {@code settings.dir()}, made if missing; a torn last record is cut off. */
    public static Spool open(Settings settings) throws IOException {
        final Spool spool = new Spool(settings);
        spool.load();
        return spool;
    }

    private void load() throws IOException {
        Files.createDirectories(settings.dir());
        try (Stream<Path> files = Files.list(settings.dir())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                final String name = file.getFileName().toString();
                if (name.endsWith(SUFFIX)) {
                    segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), Files.size(file));
                }
            }
        }
        cursor = readCursor();
        segments.headMap(cursor.segment()).keySet().forEach(this::deleteQuietly);
        segments.headMap(cursor.segment()).clear();
        if (!segments.isEmpty()) {
            final long last = segments.lastKey();
            final long whole = wholeLength(last);
            if (whole < segments.get(last)) {
                LOG.warn("usage spool: the last record of segment {} is torn ({} bytes); it is cut off and "
                        + "skipped", last, segments.get(last) - whole);
                corrupt++;
                try (FileChannel channel = FileChannel.open(segmentPath(last), StandardOpenOption.WRITE)) {
                    channel.truncate(whole);
                    channel.force(true);
                }
                segments.put(last, whole);
            }
        }
        scan(cursor, Integer.MAX_VALUE, record -> {
            records++;
            bytes += HEADER + record.length;
        });
        writerSegment = segments.isEmpty() ? Math.max(1, cursor.segment()) : segments.lastKey();
        writer = FileChannel.open(segmentPath(writerSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        segments.putIfAbsent(writerSegment, writer.size());
    }

    /** The length of the whole, well-checksummed records at the start of a segment. */
    private long wholeLength(long segment) throws IOException {
        try (FileChannel channel = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
            final long size = channel.size();
            final ByteBuffer header = ByteBuffer.allocate(HEADER);
            long at = 0;
            while (at + HEADER <= size) {
                header.clear();
                readFully(channel, header, at);
                final int length = header.getInt(0);
                if (length < 0 || at + HEADER + length > size) {
                    break;
                }
                final ByteBuffer body = ByteBuffer.allocate(length);
                readFully(channel, body, at + HEADER);
                if (crc(body.array()) != header.getInt(4)) {
                    break;
                }
                at += HEADER + length;
            }
            return at;
        }
    }

    /**
     * Appends records as they are, in order; those past the size bound are refused.
     *
     * @return how many, from the first, were appended
     */
    public synchronized int append(List<byte[]> batch) throws IOException {
        int accepted = 0;
        long size = 0;
        for (byte[] record : batch) {
            if (bytes + size + HEADER + record.length > settings.maxBytes()) {
                break;
            }
            size += HEADER + record.length;
            accepted++;
        }
        if (accepted == 0) {
            return 0;
        }
        if (segments.get(writerSegment) > 0 && segments.get(writerSegment) + size > SEGMENT_BYTES) {
            roll();
        }
        final ByteBuffer out = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
        for (int i = 0; i < accepted; i++) {
            final byte[] record = batch.get(i);
            out.putInt(record.length).putInt(crc(record)).put(record);
        }
        out.flip();
        while (out.hasRemaining()) {
            writer.write(out);
        }
        segments.merge(writerSegment, size, Long::sum);
        bytes += size;
        records += accepted;
        final long now = System.nanoTime();
        if (settings.fsync() == Fsync.ALWAYS || settings.fsync() == Fsync.INTERVAL
                && now - lastForce >= settings.fsyncInterval().toNanos()) {
            writer.force(false);
            lastForce = now;
        }
        return accepted;
    }

    private void roll() throws IOException {
        writer.force(false);
        writer.close();
        writerSegment++;
        writer = FileChannel.open(segmentPath(writerSegment), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        segments.put(writerSegment, 0L);
    }

    /** Up to {@code max} records from the first not yet delivered, without taking them off the spool. */
    public synchronized Batch peek(int max) throws IOException {
        final List<byte[]> out = new ArrayList<>();
        final Position end = scan(cursor, max, out::add);
        return new Batch(List.copyOf(out), cursor, end);
    }

    /**
     * Hands {@code each} up to {@code max} whole records from {@code from}, in order; a damaged record ends its
     * segment.
     *
     * @return the position just past the last record handed on
     */
    private Position scan(Position from, int max, Consumer<byte[]> each) throws IOException {
        Position at = from;
        int count = 0;
        while (count < max) {
            final Long segmentSize = segments.get(at.segment());
            if (segmentSize == null || at.offset() >= segmentSize) {
                final Long next = segments.higherKey(at.segment());
                if (next == null) {
                    break;
                }
                at = new Position(next, 0);
                continue;
            }
            try (FileChannel channel = FileChannel.open(segmentPath(at.segment()), StandardOpenOption.READ)) {
                final ByteBuffer header = ByteBuffer.allocate(HEADER);
                while (count < max && at.offset() + HEADER <= segmentSize) {
                    header.clear();
                    readFully(channel, header, at.offset());
                    final int length = header.getInt(0);
                    if (length < 0 || at.offset() + HEADER + length > segmentSize) {
                        at = skipDamaged(at, segmentSize);
                        break;
                    }
                    final byte[] record = new byte[length];
                    readFully(channel, ByteBuffer.wrap(record), at.offset() + HEADER);
                    if (crc(record) != header.getInt(4)) {
                        at = skipDamaged(at, segmentSize);
                        break;
                    }
                    each.accept(record);
                    count++;
                    at = new Position(at.segment(), at.offset() + HEADER + length);
                }
                if (at.offset() + HEADER > segmentSize && at.offset() < segmentSize) {
                    at = skipDamaged(at, segmentSize);
                }
            }
        }
        return at;
    }

    private Position skipDamaged(Position at, long segmentSize) {
        corrupt++;
        LOG.warn("usage spool: a damaged record at {} of segment {}; the {} bytes after it are skipped",
                at.offset(), at.segment(), segmentSize - at.offset());
        return new Position(at.segment(), segmentSize);
    }

    /**
     * Forces appended records to the disk when the interval has passed since the last time (with
     * {@link Fsync#INTERVAL}), so that the last appends before a quiet spell do not wait for the next one.
     */
    public synchronized void forceIfDue() throws IOException {
        if (settings.fsync() == Fsync.INTERVAL && System.nanoTime() - lastForce >= settings.fsyncInterval().toNanos()) {
            writer.force(false);
            lastForce = System.nanoTime();
        }
    }

    /** The records of {@code batch} were delivered: they leave the spool, for good. */
    public synchronized void acknowledge(Batch batch) throws IOException {
        if (batch.records().isEmpty() && batch.end().equals(cursor)) {
            return;
        }
        cursor = batch.end();
        final Path tmp = settings.dir().resolve(CURSOR + ".tmp");
        Files.writeString(tmp, cursor.segment() + " " + cursor.offset() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, settings.dir().resolve(CURSOR), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        records -= batch.records().size();
        batch.records().forEach(record -> bytes -= HEADER + record.length);
        for (Long done : List.copyOf(segments.headMap(cursor.segment()).keySet())) {
            if (done != writerSegment) {
                deleteQuietly(done);
                segments.remove(done);
            }
        }
    }

    /** Records waiting to be delivered. */
    public synchronized long records() {
        return records;
    }

    /** Bytes of records waiting, headers included: what the bound counts. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Records found damaged and skipped since the spool was opened. */
    public synchronized long corrupt() {
        return corrupt;
    }

    public long maxBytes() {
        return settings.maxBytes();
    }

    /** Forces what was appended to the disk and closes the files; what is waiting stays for the next start. */
    @Override
    public synchronized void close() {
        try {
            writer.force(false);
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Position readCursor() throws IOException {
        final Path file = settings.dir().resolve(CURSOR);
        if (!Files.exists(file)) {
            return new Position(segments.isEmpty() ? 1 : segments.firstKey(), 0);
        }
        final String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
        return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }

    private Path segmentPath(long segment) {
        return settings.dir().resolve(String.format("%020d%s", segment, SUFFIX));
    }

    private void deleteQuietly(long segment) {
        try {
            Files.deleteIfExists(segmentPath(segment));
        } catch (IOException e) {
            LOG.warn("usage spool: segment {} could not be deleted: {}", segment, e.toString());
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long at) throws IOException {
        long position = at;
        while (into.hasRemaining()) {
            final int n = channel.read(into, position);
            if (n < 0) {
                throw new IOException("the segment ended early");
            }
            position += n;
        }
    }

    private static int crc(byte[] bytes) {
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }
}
