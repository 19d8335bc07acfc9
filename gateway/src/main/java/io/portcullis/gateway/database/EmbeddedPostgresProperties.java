package io.portcullis.gateway.database;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.embedded-postgres.*}: where the embedded database keeps its data when no
 * {@code spring.datasource.url} is given. Bound twice: by {@link EmbeddedPostgresEarlyStart} before
 * the context exists (to start the server early), and as a bean for {@link EmbeddedPostgresConfiguration}.
 *
 * @param dataDir   where the embedded PostgreSQL keeps its files, so data survives a restart
 * @param ephemeral when true, a fresh temporary directory is used and deleted on shutdown (tests)
 */
@ConfigurationProperties(EmbeddedPostgresProperties.PREFIX)
record EmbeddedPostgresProperties(@DefaultValue("./data/postgres") Path dataDir,
                                  @DefaultValue("false") boolean ephemeral) {

    static final String PREFIX = "gateway.embedded-postgres";
}
