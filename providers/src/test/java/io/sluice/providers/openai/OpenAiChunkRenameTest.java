package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.providers.Served;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A continuation's chunk keeps its bytes but for the first answer's id and model. */
class OpenAiChunkRenameTest {
    private static final Served FIRST = new Served("chatcmpl-\"first\"", "llama", "p");

    private static String renamed(String chunk) {
        final byte[] data = chunk.getBytes(StandardCharsets.UTF_8);
        final ByteBuf out = Unpooled.buffer();
        try {
            return OpenAiChunkRename.write(data, data.length, FIRST, out) ? out.toString(StandardCharsets.UTF_8)
                    : null;
        } finally {
            out.release();
        }
    }

    @Test
    void onlyTheIdAndModelValuesChange() {
        assertEquals("data: {\"id\":\"chatcmpl-\\\"first\\\"\",\"object\":\"chat.completion.chunk\",\"created\":7,"
                        + "\"model\":\"llama\",\"system_fingerprint\":\"fp\",\"choices\":[{\"delta\":{\"content\":"
                        + "\"id: \\\"x\\\"\"}}]}\n\n",
                renamed("{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":7,"
                        + "\"model\":\"Qwen/Qwen3-8B\",\"system_fingerprint\":\"fp\",\"choices\":[{\"delta\":"
                        + "{\"content\":\"id: \\\"x\\\"\"}}]}"));
    }

    @Test
    void aModelBeforeTheIdAndNoModelAtAll() {
        assertEquals("data: {\"model\":\"llama\", \"id\" : \"chatcmpl-\\\"first\\\"\"}\n\n",
                renamed("{\"model\":\"m\", \"id\" : \"c-2\"}"));
        assertEquals("data: {\"id\":\"chatcmpl-\\\"first\\\"\",\"choices\":[]}\n\n",
                renamed("{\"id\":\"c-2\",\"choices\":[]}"));
    }

    @Test
    void whatIsNotAChunkWithAnIdIsLeftToTheEncoder() {
        assertNull(renamed("[DONE]"));
        assertNull(renamed("{\"choices\":[]}"));
        assertNull(renamed("{\"choices\":[{\"id\":\"nested\"}]}"), "only a top-level id");
        assertTrue(renamed("{\"id\":\"top\",\"choices\":[{\"id\":\"nested\"}]}").contains("\"id\":\"nested\""));
    }
}
