package io.portcullis.gateway.database;

import io.portcullis.gateway.PortcullisApplication;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.context.event.ApplicationContextInitializedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.SmartApplicationListener;

/**
 * Starts the embedded PostgreSQL on a thread of its own as soon as the configuration is known,
 * before Spring begins reading the configuration classes, so that the server's start (about half a
 * second on a quiet machine, seconds on a busy one) overlaps the building of the context instead of
 * adding to it. {@link EmbeddedPostgresConfiguration} then takes the server, waiting if it is not
 * up yet. Without this listener (a context not started by {@code SpringApplication}) the
 * configuration starts the server itself, as it always did.
 *
 * <p>Listed in {@code META-INF/spring.factories}, so it runs for every {@code SpringApplication},
 * tests included; it acts only for the gateway's ({@link PortcullisApplication} among the sources),
 * not for another application on the same class path (the tests' identity provider). It acts on
 * {@link ApplicationContextInitializedEvent}, after the context initializers have run: a test's
 * {@code @DynamicPropertySource} values are in the environment by then. A start that fails before
 * the context has taken the server stops it again, so a failed start never leaves a PostgreSQL
 * process behind.
 */
final class EmbeddedPostgresEarlyStart implements SmartApplicationListener {

    static final String BEAN_NAME = "embeddedPostgresEarlyStart";

    private volatile Pending pending;

    @Override
    public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
        return ApplicationContextInitializedEvent.class.isAssignableFrom(eventType)
                || ApplicationFailedEvent.class.isAssignableFrom(eventType);
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        switch (event) {
            case ApplicationContextInitializedEvent initialized -> start(initialized);
            case ApplicationFailedEvent failed -> {
                Pending started = pending;
                if (started != null) {
                    started.destroy();
                }
            }
            default -> { }
        }
    }

    private void start(ApplicationContextInitializedEvent event) {
        if (!event.getSpringApplication().getAllSources().contains(PortcullisApplication.class)) {
            return;
        }
        var context = event.getApplicationContext();
        var environment = context.getEnvironment();
        if (!EmbeddedPostgresConfiguration.NoDataSourceUrl.matches(environment)) {
            return;
        }
        var config = Binder.get(environment).bindOrCreate(EmbeddedPostgresProperties.PREFIX,
                EmbeddedPostgresProperties.class);
        var started = new Pending(config);
        pending = started;
        var beanFactory = context.getBeanFactory();
        beanFactory.registerSingleton(BEAN_NAME, started);
        if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
            registry.registerDisposableBean(BEAN_NAME, started);
        }
    }

    /** The server being started; {@link #take()} hands it over to the context, which then stops it. */
    static final class Pending implements DisposableBean {

        private static final Logger log = LoggerFactory.getLogger(Pending.class);

        private final CompletableFuture<EmbeddedPostgresServer> server = new CompletableFuture<>();
        private boolean taken;
        private boolean abandoned;

        Pending(EmbeddedPostgresProperties config) {
            Thread.ofPlatform().name("embedded-postgres-start").start(() -> {
                try {
                    server.complete(config.ephemeral()
                            ? EmbeddedPostgresServer.ephemeral()
                            : EmbeddedPostgresServer.persistent(config.dataDir()));
                } catch (Throwable e) {
                    server.completeExceptionally(e);
                }
            });
        }

        /** Waits for the server to be up; from now on the caller stops it. */
        synchronized EmbeddedPostgresServer take() {
            if (abandoned) {
                throw new IllegalStateException("the embedded PostgreSQL was already stopped");
            }
            taken = true;
            try {
                return server.join();
            } catch (CompletionException e) {
                // the same exception a start on this thread would have thrown
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error cause) {
                    throw cause;
                }
                throw e;
            }
        }

        /** Stops the server if nobody took it: the context failed or never needed it. */
        @Override
        public synchronized void destroy() {
            if (taken || abandoned) {
                return;
            }
            abandoned = true;
            try {
                server.join().close();
            } catch (CompletionException e) {
                log.debug("The embedded PostgreSQL had not started: {}", e.getCause().toString());
            } catch (RuntimeException e) {
                log.warn("Could not stop the embedded PostgreSQL: {}", e.toString());
            }
        }
    }
}
