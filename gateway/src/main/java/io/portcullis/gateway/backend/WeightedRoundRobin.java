package io.portcullis.gateway.backend;

import java.util.List;
import java.util.Set;

/**
 * Smooth weighted round robin (as in nginx) over the deployments of one priority: over any
 * run of {@code sum(weights)} picks each deployment is chosen exactly {@code weight} times, spread
 * out rather than in bursts, with no randomness to seed. Deployments that cannot be used right
 * now (tried already, circuit open) are left out of a pick without disturbing the others' turns
 * more than necessary.
 */
final class WeightedRoundRobin {

    private final List<Deployment> deployments;
    private final long[] current;

    WeightedRoundRobin(List<Deployment> deployments) {
        this.deployments = List.copyOf(deployments);
        this.current = new long[deployments.size()];
    }

    List<Deployment> deployments() {
        return deployments;
    }

    /** The next deployment not in {@code excluded}, or null when every one is. */
    synchronized Deployment next(Set<Deployment> excluded) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < deployments.size(); i++) {
            Deployment d = deployments.get(i);
            if (excluded.contains(d)) {
                continue;
            }
            current[i] += d.weight();
            total += d.weight();
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        current[best] -= total;
        return deployments.get(best);
    }
}
