package io.portcullis.gateway.database;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * With no {@code spring.datasource.url}, the gateway brings its own PostgreSQL so that one
 * command starts a working gateway. With a URL, Spring Boot's ordinary DataSource is used and
 * none of this applies.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDataSourceUrl.class)
class EmbeddedPostgresConfiguration {

    /**
     * Usually already starting since before the context was built ({@link EmbeddedPostgresEarlyStart}):
     * this only waits for it.
     */
    @Bean(destroyMethod = "close")
    EmbeddedPostgresServer embeddedPostgresServer(EmbeddedPostgresProperties config,
                                                  ObjectProvider<EmbeddedPostgresEarlyStart.Pending> early) {
        var pending = early.getIfAvailable();
        if (pending != null) {
            return pending.take();
        }
        return config.ephemeral()
                ? EmbeddedPostgresServer.ephemeral()
                : EmbeddedPostgresServer.persistent(config.dataDir());
    }

    /** Hikari pool on the embedded server; {@code spring.datasource.hikari.*} still applies. */
    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgresServer server) {
        var ds = new HikariDataSource();
        ds.setJdbcUrl(server.jdbcUrl());
        ds.setUsername(server.username());
        ds.setPoolName("portcullis");
        EmbeddedPostgresServer.connectionProperties().forEach(ds::addDataSourceProperty);
        return ds;
    }

    static final class NoDataSourceUrl implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return matches(context.getEnvironment());
        }

        /** Also asked by {@link EmbeddedPostgresEarlyStart}, before the context exists. */
        static boolean matches(Environment environment) {
            String url = environment.getProperty("spring.datasource.url");
            return url == null || url.isBlank();
        }
    }
}
