package io.portcullis.gateway.team;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.gateway.database.KeyCacheTtl;
import io.portcullis.gateway.database.ChangeSubscriber;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Teams as the request path sees them: cached per replica, dropped on any replica's change. */
@Component
public class Teams implements ChangeSubscriber {

    private final TeamStore store;
    private final Cache<UUID, Optional<Team>> cache;

    Teams(TeamStore store, KeyCacheTtl cacheTtl) {
        this.store = store;
        this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(cacheTtl.value()).build();
    }

    /** @throws org.springframework.dao.DataAccessException when not cached and the database is away */
    public Optional<Team> find(UUID id) {
        return cache.get(id, store::find);
    }

    @Override
    public String channel() {
        return TeamStore.CHANNEL;
    }

    @Override
    public void changed(String payload) {
        try {
            cache.invalidate(UUID.fromString(payload));
        } catch (IllegalArgumentException e) {
            cache.invalidateAll();
        }
    }

    @Override
    public void resync() {
        cache.invalidateAll();
    }
}
