package io.df2redis.config;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Puts the migration file into the service's configuration, under the {@code df2redis.} prefix,
 * so that {@link MigrationConfig} is injected like any other mapping. The file is named by
 * {@code --config} (system property) or {@code DF2REDIS_CONFIG}; without one, the values come from
 * other sources (application.properties, environment, test resources).
 */
public class MigrationFileConfigSourceFactory implements ConfigSourceFactory {

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Optional<Path> file = MigrationFile.located();
        if (file.isEmpty()) {
            return List.of();
        }
        return List.of(MigrationConfigLoader.fileSource(file.get().toString(), MigrationFile.read(file.get())));
    }
}
