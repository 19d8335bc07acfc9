package io.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.NettyTransport.Choice;
import io.portcullis.gateway.dataplane.DataPlaneProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** What {@code gateway.data-plane.transport} comes to, on systems with and without each native transport. */
class NettyTransportTest {

    @Test
    void autoIsEpollWhereItWorksAndNioElsewhere() {
        assertThat(NettyTransport.best(Choice.AUTO, true, true)).isEqualTo(NettyTransport.EPOLL);
        assertThat(NettyTransport.best(Choice.AUTO, true, false)).isEqualTo(NettyTransport.NIO);
    }

    @Test
    void ioUringIsUsedOnlyWhereTheKernelAllowsItAndOtherwiseFallsBackAsAuto() {
        assertThat(NettyTransport.best(Choice.IO_URING, true, true)).isEqualTo(NettyTransport.IO_URING);
        assertThat(NettyTransport.best(Choice.IO_URING, false, true)).isEqualTo(NettyTransport.EPOLL);
        assertThat(NettyTransport.best(Choice.IO_URING, false, false)).isEqualTo(NettyTransport.NIO);
    }

    @Test
    void epollAndNioAreTakenAsAskedWhereTheyWork() {
        assertThat(NettyTransport.best(Choice.EPOLL, true, true)).isEqualTo(NettyTransport.EPOLL);
        assertThat(NettyTransport.best(Choice.EPOLL, true, false)).isEqualTo(NettyTransport.NIO);
        assertThat(NettyTransport.best(Choice.NIO, true, true)).isEqualTo(NettyTransport.NIO);
    }

    @Test
    void eachTransportsChannelsMatchItsLoops() throws Exception {
        for (NettyTransport transport : NettyTransport.values()) {
            String kind = transport.name().replace("_", "").toLowerCase(java.util.Locale.ROOT);
            assertThat(transport.serverChannel().getSimpleName().toLowerCase(java.util.Locale.ROOT)).startsWith(kind);
            assertThat(transport.socketChannel().getSimpleName().toLowerCase(java.util.Locale.ROOT)).startsWith(kind);
        }
    }

    @Test
    void bindsTheSpellingsAnOperatorWrites() {
        for (var spelling : Map.of("io-uring", Choice.IO_URING, "io_uring", Choice.IO_URING, "IO-URING",
                Choice.IO_URING, "epoll", Choice.EPOLL, "nio", Choice.NIO, "auto", Choice.AUTO).entrySet()) {
            var source = new MapConfigurationPropertySource(Map.of("gateway.data-plane.transport", spelling.getKey()));
            var bound = new Binder(source).bindOrCreate(DataPlaneProperties.PREFIX, DataPlaneProperties.class);
            assertThat(bound.transport()).as(spelling.getKey()).isEqualTo(spelling.getValue());
        }
        var unset = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate(DataPlaneProperties.PREFIX, DataPlaneProperties.class);
        assertThat(unset.transport()).isEqualTo(Choice.AUTO);
    }
}
