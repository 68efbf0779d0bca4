package io.sluice.providers.demo;

import io.sluice.providers.Capabilities;
import io.sluice.providers.Continuation;
import io.sluice.providers.OpenAiCompatible;
import io.sluice.providers.ProviderType;

/** The built-in demo model server, started inside the gateway: works offline with no key. */
public final class Demo {
    public static final ProviderType TYPE = new OpenAiCompatible("demo", null, "/health",
            new Capabilities(true, Continuation.NONE, false));

    private Demo() {
    }
}
