package io.sluice.providers.openai;

import io.sluice.providers.ListedModel;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models from the recorded model lists of OpenAI and vLLM, and a refusal of anything else. */
class OpenAiModelListTest {
    private static List<String> ids(byte[] body) throws IOException {
        return OpenAiModelList.models(body, body.length).stream().map(ListedModel::id).toList();
    }

    @Test
    void readsTheRecordedLists() throws IOException {
        assertEquals(List.of("meta-llama/Llama-3.1-8B-Instruct"), ids(WireSamples.bytes("vllm_models.json")));
        final List<String> openai = ids(WireSamples.bytes("openai_models_list.json"));
        assertEquals("gpt-3.5-turbo-16k", openai.get(0));
        assertTrue(openai.contains("dall-e-3"));
    }

    @Test
    void vllmTellsItsContextLengthAndOpenAiDoesNot() throws IOException {
        final byte[] vllm = WireSamples.bytes("vllm_models.json");
        assertEquals(List.of(new ListedModel("meta-llama/Llama-3.1-8B-Instruct", 131072)),
                OpenAiModelList.models(vllm, vllm.length));
        final byte[] openai = WireSamples.bytes("openai_models_list.json");
        assertEquals(-1, OpenAiModelList.models(openai, openai.length).get(0).contextLength());
    }

    @Test
    void skipsWhatIsNotAnIdAndRefusesWhatIsNotAList() throws IOException {
        assertEquals(List.of("a"), ids("{\"data\":[{\"id\":\"a\",\"x\":{\"id\":\"b\"}},{\"id\":7},{}]}"
                .getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> ids("[]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> ids("{\"data\":[".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void skipsAnIdWithAControlCharacter() throws IOException {
        // Served ids go back to clients in a header: a line break in one would start a field of the backend's.
        assertEquals(List.of("ok"), ids(("{\"data\":[{\"id\":\"m\\r\\nset-cookie: a=b\"},{\"id\":\"t\\tab\"},"
                + "{\"id\":\"del\\u007f\"},{\"id\":\"ok\"}]}").getBytes(StandardCharsets.UTF_8)));
    }
}
