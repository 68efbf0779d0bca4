package io.sluice.providers;

import io.sluice.providers.anthropic.Anthropic;
import io.sluice.providers.azure.Azure;
import io.sluice.providers.demo.Demo;
import io.sluice.providers.ollama.Ollama;
import io.sluice.providers.openai.OpenAi;
import io.sluice.providers.openrouter.OpenRouter;
import io.sluice.providers.tgi.Tgi;
import io.sluice.providers.vllm.Vllm;

import java.util.List;

/** Every kind of backend Sluice knows: a new one is a package and one line here. */
public final class ProviderTypes {
    public static final List<ProviderType> ALL = List.of(
            OpenAi.TYPE,
            Azure.TYPE,
            OpenRouter.TYPE,
            Vllm.TYPE,
            Tgi.TYPE,
            Ollama.TYPE,
            Anthropic.TYPE,
            Demo.TYPE);

    private ProviderTypes() {
    }

    /** The kind a config name stands for, or null. */
    public static ProviderType named(String name) {
        return ALL.stream().filter(type -> type.configName().equals(name)).findFirst().orElse(null);
    }
}
