package io.portcullis.gateway.housekeeping;

import java.util.List;

/**
 * A bean with periodic work. The {@link Housekeeper} collects the tasks of every such bean once,
 * when it is built, and runs them; the bean itself starts no thread and needs no stop code.
 */
public interface PeriodicWork {

    /** This bean's tasks; read once, at start. Empty when there is nothing to do in this configuration. */
    List<HousekeepingTask> housekeepingTasks();
}
