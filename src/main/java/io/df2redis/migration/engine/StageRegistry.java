package io.df2redis.migration.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stages known to this service, by name, and the plans made of them. Built once at start-up:
 * a duplicate stage name, or a plan naming a stage nobody provides, fails it there.
 */
public final class StageRegistry {

    private final Map<String, Stage> stages;
    private final Map<String, List<String>> plans;

    public StageRegistry(Collection<? extends Stage> provided, Map<String, List<String>> plans) {
        Map<String, Stage> byName = new LinkedHashMap<>();
        for (Stage stage : provided) {
            Stage previous = byName.putIfAbsent(stage.name(), stage);
            if (previous != null) {
                throw new IllegalStateException("two stages are named '" + stage.name() + "': "
                        + previous.getClass().getName() + " and " + stage.getClass().getName());
            }
        }
        List<String> problems = new ArrayList<>();
        plans.forEach((plan, names) -> {
            List<String> seen = new ArrayList<>();
            for (String name : names) {
                if (!byName.containsKey(name)) {
                    problems.add("plan '" + plan + "' names unknown stage '" + name + "' (known: " + byName.keySet() + ")");
                }
                if (seen.contains(name)) {
                    problems.add("plan '" + plan + "' names stage '" + name + "' twice");
                }
                seen.add(name);
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
        this.stages = Map.copyOf(byName);
        this.plans = Map.copyOf(plans);
    }

    public Stage stage(String name) {
        Stage stage = stages.get(name);
        if (stage == null) {
            throw new IllegalArgumentException("unknown stage '" + name + "'");
        }
        return stage;
    }

    public List<String> plan(String name) {
        List<String> plan = plans.get(name);
        if (plan == null) {
            throw new IllegalArgumentException("unknown plan '" + name + "' (known: " + plans.keySet() + ")");
        }
        return plan;
    }
}
