package io.sluice.gateway.usage;

import io.sluice.gateway.config.SluiceConfig.Fsync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The usage spool on a real disk: order kept across a reopen, torn and damaged records skipped, the bound. */
class SpoolTest {
    @TempDir
    Path dir;

    private Spool open(long maxBytes) throws IOException {
        return Spool.open(new Spool.Settings(dir, maxBytes, Fsync.ALWAYS, Duration.ZERO));
    }

    private static List<byte[]> records(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> ("{\"request_id\":\"r" + i + "\"}")
                .getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static List<String> text(Spool.Batch batch) {
        return batch.records().stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
    }

    private static List<String> texts(int from, int to) {
        return records(from, to).stream().map(r -> new String(r, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void recordsComeOutInOrderAndWhatWasDeliveredNeverAgainAfterAReopen() throws IOException {
        try (Spool spool = open(1 << 20)) {
            assertEquals(3, spool.append(records(0, 3)));
            assertEquals(4, spool.append(records(3, 7)));
            final Spool.Batch first = spool.peek(5);
            assertEquals(texts(0, 5), text(first));
            assertEquals(texts(0, 5), text(spool.peek(5)), "a peek takes nothing");
            spool.acknowledge(first);
            assertEquals(2, spool.records());
        }
        try (Spool spool = open(1 << 20)) {
            assertEquals(2, spool.records(), "what was not acknowledged is still there");
            assertEquals(texts(5, 7), text(spool.peek(100)));
            spool.append(records(7, 8));
            assertEquals(texts(5, 8), text(spool.peek(100)));
        }
    }

    @Test
    void aTornLastRecordIsCutOffAndNeverHandedOn() throws IOException {
        try (Spool spool = open(1 << 20)) {
            spool.append(records(0, 3));
        }
        final Path segment = onlySegment();
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(file.length() - 3);
        }
        try (Spool spool = open(1 << 20)) {
            assertEquals(1, spool.corrupt());
            assertEquals(texts(0, 2), text(spool.peek(100)));
            spool.append(records(3, 4));
            assertEquals(List.of(texts(0, 2).get(0), texts(0, 2).get(1), texts(3, 4).get(0)), text(spool.peek(100)),
                    "appends go on after the last whole record");
        }
    }

    @Test
    void aDamagedRecordEndsItsSegmentAndIsCounted() throws IOException {
        try (Spool spool = open(1 << 20)) {
            spool.append(records(0, 3));
        }
        final Path segment = onlySegment();
        final byte[] bytes = Files.readAllBytes(segment);
        final int second = 8 + records(0, 1).get(0).length;
        bytes[second + 8 + 3] ^= 0x5a;
        Files.write(segment, bytes);
        try (Spool spool = open(1 << 20)) {
            assertEquals(texts(0, 1), text(spool.peek(100)), "the damaged record and the rest of its segment skipped");
            assertEquals(1, spool.corrupt());
        }
    }

    @Test
    void theBoundRefusesWhatDoesNotFitUntilDeliveriesMakeRoom() throws IOException {
        final int each = 8 + records(0, 1).get(0).length;
        try (Spool spool = open(each * 3L)) {
            assertEquals(3, spool.append(records(0, 5)));
            assertEquals(0, spool.append(records(5, 6)));
            assertEquals(each * 3L, spool.bytes());
            spool.acknowledge(spool.peek(2));
            assertEquals(2, spool.append(records(5, 9)));
            assertEquals(List.of("{\"request_id\":\"r2\"}", "{\"request_id\":\"r5\"}", "{\"request_id\":\"r6\"}"),
                    text(spool.peek(100)));
        }
    }

    @Test
    void fullSegmentsRollAndAreDeletedOnceDelivered() throws IOException {
        final byte[] large = new byte[1 << 20];
        try (Spool spool = open(1L << 30)) {
            for (int i = 0; i < 20; i++) {
                spool.append(List.of(large));
            }
            assertEquals(2, segments().size(), "16 MiB segments");
            spool.acknowledge(spool.peek(17));
            assertEquals(1, segments().size(), "the first, delivered, is gone");
            assertEquals(3, spool.records());
        }
    }

    private Path onlySegment() throws IOException {
        final List<Path> segments = segments();
        assertEquals(1, segments.size());
        return segments.get(0);
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".seg")).sorted().toList();
        }
    }
}
