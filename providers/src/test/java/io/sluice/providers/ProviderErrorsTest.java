package io.sluice.providers;

import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Error bodies as each provider sends them (recorded samples where there are some) read into one shape. */
class ProviderErrorsTest {
    private static ProviderError parse(String json) {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return ProviderErrors.parse(bytes, bytes.length);
    }

    private static ProviderError sample(String name) {
        final byte[] bytes = WireSamples.bytes(name);
        return ProviderErrors.parse(bytes, bytes.length);
    }

    @Test
    void openAiErrorsKeepAllFourFields() {
        assertEquals(new ProviderError("Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                + "'max_completion_tokens' instead.", "invalid_request_error", "unsupported_parameter", "max_tokens"),
                sample("openai_error_400_normalized.json"));
        final ProviderError limit = sample("openai_error_429_rate_limit.json");
        assertEquals("tokens", limit.type());
        assertEquals("rate_limit_exceeded", limit.code());
        assertNull(limit.param());
    }

    @Test
    void anthropicErrorsGiveTheirTypeAndMessage() {
        assertEquals(new ProviderError("Overloaded", "overloaded_error", null, null),
                sample("anthropic_error_529_overloaded.json"));
    }

    @Test
    void tgiAndOllamaSendTheMessageAsAString() {
        assertEquals(new ProviderError("Input validation error: too long", "validation", null, null),
                parse("{\"error\":\"Input validation error: too long\",\"error_type\":\"validation\"}"));
        assertEquals(new ProviderError("model 'llama9' not found", null, null, null),
                parse("{\"error\":\"model 'llama9' not found\"}"));
    }

    @Test
    void olderVllmSendsTheFieldsAtTheTopWithANumericCode() {
        assertEquals(new ProviderError("The model `x` does not exist.", "NotFoundError", "404", null),
                parse("{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\","
                        + "\"param\":null,\"code\":404}"));
    }

    @Test
    void fastApiDetailsAreTheMessage() {
        assertEquals("Not Found", parse("{\"detail\":\"Not Found\"}").message());
        assertEquals("the request was not valid", parse("{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"x\"}]}").message());
    }

    @Test
    void aBodyThatIsNoErrorGivesNull() {
        assertNull(parse("<html>502 Bad Gateway</html>"));
        assertNull(parse("{\"choices\":[]}"));
        assertNull(parse("{\"error\":"));
    }
}
