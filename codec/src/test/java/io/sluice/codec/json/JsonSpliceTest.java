package io.sluice.codec.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonSpliceTest {

    @Test
    void replacesAndInsertsAroundSlicesOfTheOriginal() throws Exception {
        final String body = "{\"model\":\"gpt\",\"stream\":true}";
        final ByteBuf original = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            final RequestFields fields = RequestScanner.scan(original);
            final ByteBuf spliced = JsonSplice.apply(ByteBufAllocator.DEFAULT, original, List.of(
                    JsonSplice.Edit.replace(fields.modelValue(), bytes("\"gpt-4o-mini\"")),
                    JsonSplice.Edit.insert(fields.objectStart() + 1, bytes("\"stream_options\":{\"include_usage\":true},"))));
            try {
                assertEquals("{\"stream_options\":{\"include_usage\":true},\"model\":\"gpt-4o-mini\",\"stream\":true}",
                        spliced.toString(StandardCharsets.UTF_8));
            } finally {
                spliced.release();
            }
            assertEquals(1, original.refCnt(), "the original keeps only the caller's reference");
        } finally {
            original.release();
        }
    }

    @Test
    void honoursTheReaderIndexAndRejectsOverlaps() {
        final ByteBuf original = Unpooled.copiedBuffer("xx{\"a\":1}", StandardCharsets.UTF_8);
        try {
            original.skipBytes(2);
            final ByteBuf spliced = JsonSplice.apply(ByteBufAllocator.DEFAULT, original,
                    List.of(new JsonSplice.Edit(5, 6, bytes("2"))));
            try {
                assertEquals("{\"a\":2}", spliced.toString(StandardCharsets.UTF_8));
            } finally {
                spliced.release();
            }
            assertThrows(IllegalArgumentException.class, () -> JsonSplice.apply(ByteBufAllocator.DEFAULT, original,
                    List.of(new JsonSplice.Edit(1, 4, bytes("")), new JsonSplice.Edit(3, 5, bytes("")))));
        } finally {
            original.release();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
