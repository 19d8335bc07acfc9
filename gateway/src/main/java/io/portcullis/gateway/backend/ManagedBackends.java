package io.portcullis.gateway.backend;

import io.portcullis.gateway.database.ChangeSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Keeps the {@link BackendRegistry} in step with the managed backends in PostgreSQL: loaded at
 * start, reloaded whole whenever any replica changes one (LISTEN/NOTIFY on
 * {@value JdbcBackendStore#CHANNEL}) and after the listening connection comes back. There are few
 * backends, so a whole reload is simpler and as fast as patching. At start, keys sealed by an
 * older gateway (bound to the backend name only) are sealed again, bound to their URL.
 */
@Component
class ManagedBackends implements ChangeSubscriber, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ManagedBackends.class);

    private final JdbcBackendStore store;
    private final BackendRegistry registry;

    ManagedBackends(JdbcBackendStore store, BackendRegistry registry) {
        this.store = store;
        this.registry = registry;
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            int resealed = store.resealLegacy();
            if (resealed > 0) {
                log.info("Sealed {} managed backend key(s) again, now bound to their base URL", resealed);
            }
        } catch (DataAccessException e) {
            log.warn("Could not seal legacy managed backend keys again (retried at next start): {}", e.getMessage());
        }
        reload();
    }

    @Override
    public String channel() {
        return JdbcBackendStore.CHANNEL;
    }

    @Override
    public void changed(String payload) {
        reload();
    }

    @Override
    public void resync() {
        reload();
    }

    private void reload() {
        try {
            registry.replaceManaged(store.list());
        } catch (DataAccessException | IllegalStateException | IllegalArgumentException e) {
            // Keep serving with the backends known so far; the next notification or resync retries.
            log.warn("Could not load managed backends: {}", e.getMessage());
        }
    }
}
