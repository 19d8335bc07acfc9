package io.portcullis.gateway.auth;

import io.portcullis.gateway.database.KeyCacheTtl;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Hands {@code gateway.keys.cache-ttl} to the team cache and to readiness, which must follow the
 * key cache but sit outside {@code auth} (docs/architecture.md, "Packages and who may use whom").
 */
@Configuration(proxyBeanMethods = false)
class KeyCacheConfiguration {

    @Bean
    KeyCacheTtl keyCacheTtl(KeysProperties keys) {
        return new KeyCacheTtl(keys.cacheTtl());
    }
}
