package io.portcullis.gateway;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the event loops wait for and do their socket work: io_uring, epoll (both Linux, native) or
 * the JDK's NIO selector (everywhere). The loops and every channel registered with them must be of
 * one kind, so the loops carry it and the data plane and the upstream client ask it for their
 * channel classes.
 */
public enum NettyTransport {

    IO_URING(IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringSocketChannel.class),
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class),
    NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    /** What an operator asks for ({@code gateway.data-plane.transport}). */
    public enum Choice {
        /** epoll where it works (Linux), else NIO. */
        AUTO,
        /** io_uring where it works, else as {@link #AUTO}. */
        IO_URING,
        /** epoll where it works, else NIO. */
        EPOLL,
        /** The JDK's selector, everywhere. */
        NIO
    }

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    private final Supplier<IoHandlerFactory> ioHandlers;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    NettyTransport(Supplier<IoHandlerFactory> ioHandlers, Class<? extends ServerChannel> serverChannel,
                   Class<? extends SocketChannel> socketChannel) {
        this.ioHandlers = ioHandlers;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /**
     * The transport that {@code choice} comes to on this system, saying so in the log when it is
     * not the one asked for (io_uring refused by the kernel or a seccomp profile, say).
     */
    public static NettyTransport of(Choice choice) {
        // io_uring is probed (its library loaded, a ring set up) only when asked for
        NettyTransport transport = best(choice, choice == Choice.IO_URING && IoUring.isAvailable(), Epoll.isAvailable());
        if (choice == Choice.IO_URING && transport != IO_URING) {
            log.warn("io_uring was asked for (gateway.data-plane.transport=io-uring) but is not available here ({}): "
                    + "using {}", IoUring.unavailabilityCause(), transport);
        } else if (choice == Choice.EPOLL && transport != EPOLL) {
            log.warn("epoll was asked for (gateway.data-plane.transport=epoll) but is not available here ({}): using {}",
                    Epoll.unavailabilityCause(), transport);
        }
        return transport;
    }

    /** What {@code choice} comes to when io_uring and epoll are (or are not) available. */
    static NettyTransport best(Choice choice, boolean ioUring, boolean epoll) {
        return switch (choice) {
            case IO_URING -> ioUring ? IO_URING : best(Choice.AUTO, false, epoll);
            case AUTO, EPOLL -> epoll ? EPOLL : NIO;
            case NIO -> NIO;
        };
    }

    IoHandlerFactory ioHandlers() {
        return ioHandlers.get();
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }
}
