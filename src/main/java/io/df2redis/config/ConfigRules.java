package io.df2redis.config;

import java.util.ArrayList;
import java.util.List;

/** Rules that span several keys, which Bean Validation on single keys cannot express. */
final class ConfigRules {

    private ConfigRules() {
    }

    static List<ConfigProblem> check(MigrationConfig config) {
        List<ConfigProblem> problems = new ArrayList<>();
        checkBatches(config, problems);
        checkFence(config, problems);
        checkImporter(config, problems);
        checkTargetSeed(config, problems);
        checkMetaPattern(config, problems);
        checkEngine(config, problems);
        checkPorts("source.addr", config.source().addr(), problems);
        checkPorts("target.seed", config.target().seed(), problems);
        checkPorts("proxy.endpoint", config.proxy().endpoint(), problems);
        checkPorts("dashboard.addr", config.dashboard().addr(), problems);
        return problems;
    }

    private static void checkPorts(String key, String addresses, List<ConfigProblem> problems) {
        for (String address : addresses.split(",")) {
            int colon = address.lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            try {
                int port = Integer.parseInt(address.substring(colon + 1).trim());
                if (port > 65535) {
                    problems.add(new ConfigProblem(key, "port " + port + " is out of range: write a port from 1 to 65535"));
                }
            } catch (NumberFormatException e) {
                // the pattern on the key reports it
            }
        }
    }

    private static void checkBatches(MigrationConfig config, List<ConfigProblem> problems) {
        List<MigrationConfig.Batch> batches = config.migrate().cutover().batches();
        int previous = -1;
        for (int i = 0; i < batches.size(); i++) {
            MigrationConfig.Batch batch = batches.get(i);
            String key = "migrate.cutover.batches[" + i + "]";
            if (batch.percentage() <= previous) {
                problems.add(new ConfigProblem(key + ".percentage",
                        "percentages must increase from batch to batch: " + batch.percentage()
                                + " follows " + previous + "; order the batches by percentage"));
            }
            previous = Math.max(previous, batch.percentage());
            if (batch.percentage() % 5 != 0) {
                problems.add(new ConfigProblem(key + ".percentage", batch.percentage() + " is not a multiple of 5: the proxy moves "
                        + "reads in 5 % steps, so write e.g. " + (Math.round(batch.percentage() / 5f) * 5)));
            }
            if (batch.duration().isNegative()) {
                problems.add(new ConfigProblem(key + ".duration", "must not be negative: write e.g. 5m"));
            }
        }
        if (!batches.isEmpty() && batches.get(batches.size() - 1).percentage() != 100) {
            problems.add(new ConfigProblem("migrate.cutover.batches[" + (batches.size() - 1) + "].percentage",
                    "the last batch must send 100 % of reads to the target, so that the write cutover follows a whole read "
                            + "cutover: add a batch with percentage: 100"));
        }
    }

    private static void checkFence(MigrationConfig config, List<ConfigProblem> problems) {
        MigrationConfig.Fence fence = config.proxy().fence();
        if (fence.maxPause().compareTo(fence.maxHold()) >= 0) {
            problems.add(new ConfigProblem("proxy.fence.maxPause", "must be below proxy.fence.maxHold (" + fence.maxHold()
                    + "): the proxy lifts a fence held longer by itself, so the cutover must give up first"));
        }
    }

    private static void checkImporter(MigrationConfig config, List<ConfigProblem> problems) {
        MigrationConfig.Importer importer = config.migrate().importer();
        if ((importer == MigrationConfig.Importer.RDB || importer == MigrationConfig.Importer.RDB_CLI)
                && config.migrate().snapshotPath().isEmpty() && !config.migrate().snapshot().trigger()) {
            problems.add(new ConfigProblem("migrate.snapshotPath",
                    "required with importer " + importer.name().toLowerCase().replace('_', '-')
                            + ": write the path of the RDB snapshot file, or set migrate.snapshot.trigger: true"));
        }
        if (importer == MigrationConfig.Importer.RDB_CLI && config.migrate().rdbToolBinary().isEmpty()) {
            problems.add(new ConfigProblem("migrate.rdbToolBinary",
                    "required with importer rdb-cli: write the path of redis-rdb-cli's rmt"));
        }
    }

    private static void checkTargetSeed(MigrationConfig config, List<ConfigProblem> problems) {
        if (config.target().type() == MigrationConfig.TargetType.REDIS_STANDALONE && config.target().seed().contains(",")) {
            problems.add(new ConfigProblem("target.seed",
                    "a standalone target takes one host:port; set target.type: redis-cluster for several seeds"));
        }
    }

    private static void checkMetaPattern(MigrationConfig config, List<ConfigProblem> problems) {
        String pattern = config.consistency().metaKeyPattern();
        if (!pattern.contains("%s") && !pattern.contains("{key}")) {
            problems.add(new ConfigProblem("consistency.metaKeyPattern",
                    "must contain %s (or {key}) where the data key goes, e.g. meta:{%s}"));
        }
    }

    private static void checkEngine(MigrationConfig config, List<ConfigProblem> problems) {
        if (config.engine().stageTimeout().isNegative() || config.engine().stageTimeout().isZero()) {
            problems.add(new ConfigProblem("engine.stageTimeout", "must be positive, e.g. 24h"));
        }
        if (config.engine().remoteTimeout().isNegative() || config.engine().remoteTimeout().isZero()) {
            problems.add(new ConfigProblem("engine.remoteTimeout", "must be positive, e.g. 5s"));
        }
        if (config.engine().retryBackoff().isNegative()) {
            problems.add(new ConfigProblem("engine.retryBackoff", "must not be negative, e.g. 2s"));
        }
    }
}
