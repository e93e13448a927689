package io.df2redis.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the migration YAML file into flat property names ({@code migrate.cutover.batches[0].label})
 * so that SmallRye Config can map it. Where the file comes from: {@code --config FILE} on the CLI
 * (passed on as the system property {@value #FILE_PROPERTY}) or {@code DF2REDIS_CONFIG}.
 */
public final class MigrationFile {

    public static final String FILE_PROPERTY = "df2redis.config.file";
    public static final String FILE_ENV = "DF2REDIS_CONFIG";

    private MigrationFile() {
    }

    /** The migration file named by the system property or the environment, if any. */
    public static Optional<Path> located() {
        String value = System.getProperty(FILE_PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(FILE_ENV);
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value).toAbsolutePath());
    }

    /** Reads and flattens the file; every reading problem is reported as an {@link InvalidConfigException}. */
    public static Map<String, String> read(Path file) {
        if (Files.isDirectory(file)) {
            throw single(file, "", "is a directory, not a migration file: pass the YAML file inside it with --config "
                    + "(or DF2REDIS_CONFIG), e.g. " + file.resolve("migrate.yaml"));
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw single(file, "", "file not found: create it (see examples/migrate.sample.yaml) or fix --config / DF2REDIS_CONFIG");
        } catch (IOException e) {
            throw single(file, "", "cannot read the file (" + FileProblems.describe(e) + "): make it readable for this user");
        }
        return parse(file.toString(), text);
    }

    static Map<String, String> parse(String sourceName, String text) {
        Object root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(new SafeConstructor(options)).load(text);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "unknown position"
                    : "line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1);
            throw single(sourceName, "", "malformed YAML at " + where + ": " + e.getProblem()
                    + " (check indentation, that every key is followed by ': ' and that no key appears twice)");
        } catch (YAMLException e) {
            throw single(sourceName, "", "malformed YAML: " + e.getMessage());
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root == null) {
            return flat;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw single(sourceName, "", "the top level must be a mapping of keys (source:, target:, migrate: ...), not a "
                    + describe(root));
        }
        flatten("", map, flat);
        return flat;
    }

    /** The flattened value of a key written without one ({@code key:}). */
    static final String NO_VALUE = "\u0000(no value)";

    private static void flatten(String prefix, Object node, Map<String, String> out) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String name = String.valueOf(entry.getKey());
                flatten(prefix.isEmpty() ? name : prefix + "." + name, entry.getValue(), out);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(prefix + "[" + i + "]", list.get(i), out);
            }
        } else if (node != null) {
            out.put(prefix, String.valueOf(node));
        } else {
            // A key without a value still names a key, so that an unknown one is reported; a known one is then left unset.
            out.put(prefix, NO_VALUE);
        }
    }

    private static String describe(Object node) {
        return node instanceof List<?> ? "list" : "single value";
    }

    private static InvalidConfigException single(Object source, String key, String message) {
        return new InvalidConfigException(String.valueOf(source), List.of(new ConfigProblem(key, message)));
    }
}
