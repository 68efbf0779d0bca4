package io.sluice.gateway.server;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.PipelineNames;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The HTTP/2 connection pipeline as prior knowledge and ALPN build it: the flushes are gathered in front of the
 * codec, so that a stream's flush still hands its data to the codec's flow control at once. (Http2Test runs the
 * same handlers after an h2c upgrade, end to end.)
 */
class HttpServerInitializerTest {
    @Test
    void flushesAreGatheredInFrontOfTheCodec() {
        final SluiceConfig config = ConfigLoader.parse("providers: [ { id: demo, type: demo, models: { demo: demo-1 } } ]", "test.yaml", new EnvResolver(name -> null), null);
        final HttpServerInitializer initializer = new HttpServerInitializer(null, config.server(), null,
                new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE), new Listener(null, true));
        final EmbeddedChannel channel = new EmbeddedChannel();
        try {
            initializer.configureHttp2(channel.pipeline());
            assertEquals(List.of(PipelineNames.H2_FLUSH, PipelineNames.H2_CODEC, PipelineNames.H2_MULTIPLEX,
                    PipelineNames.IDLE, PipelineNames.H2_ERRORS), channel.pipeline().names().subList(0, 5));
            assertInstanceOf(Http2FrameCodec.class, channel.pipeline().get(PipelineNames.H2_CODEC));
            assertInstanceOf(FlushConsolidationHandler.class, channel.pipeline().get(PipelineNames.H2_FLUSH));
            assertInstanceOf(Http2MultiplexHandler.class, channel.pipeline().get(PipelineNames.H2_MULTIPLEX));
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
