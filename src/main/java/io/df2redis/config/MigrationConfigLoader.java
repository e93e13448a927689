package io.df2redis.config;

import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.validator.BeanValidationConfigValidator;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Loads and validates a migration file outside of the running service (the CLI does this before
 * it boots anything, so that bad input exits 2 with every problem listed). The service binds the
 * same file through {@link MigrationFileConfigSourceFactory} and the same {@link MigrationConfig}
 * mapping, so both see identical values.
 */
public final class MigrationConfigLoader {

    /** Above application.properties (250 is the default of config files), below the environment (300). */
    public static final int FILE_ORDINAL = 270;
    private static final String ENV_PREFIX = "DF2REDIS_";
    private static final Pattern PROPERTY = Pattern.compile(Pattern.quote(MigrationConfig.PREFIX) + "\\.([A-Za-z0-9_.\\[\\]*-]+)");
    private static final Pattern QUOTED_VALUE = Pattern.compile("config value \"([^\"]*)\"");

    private MigrationConfigLoader() {
    }

    /** Loads the file with environment overrides from the process environment. */
    public static MigrationConfig load(Path file) {
        return load(file, System.getenv());
    }

    /** Loads the file; every problem found is reported at once in an {@link InvalidConfigException}. */
    public static MigrationConfig load(Path file, Map<String, String> environment) {
        Map<String, String> properties = MigrationFile.read(file);
        return bind(file.toString(), properties, environment);
    }

    static MigrationConfig bind(String sourceName, Map<String, String> fileProperties, Map<String, String> environment) {
        List<ConfigProblem> problems = new ArrayList<>(unknownKeys(fileProperties));
        Map<String, String> file = new LinkedHashMap<>(fileProperties);
        file.replaceAll(KnownKeys::yamlBooleanAsWritten);
        Map<String, String> env = df2redisVariables(environment);
        MigrationConfig config = null;
        // Conversion and missing-value errors stop SmallRye before Bean Validation runs. To report every
        // problem at once, each pass sets the values it could not use aside and binds the rest again.
        for (int pass = 0; pass < MAX_PASSES && config == null; pass++) {
            try {
                config = build(sourceName, file, env, true);
            } catch (ConfigValidationException e) {
                List<ConfigProblem> found = new ArrayList<>();
                for (int i = 0; i < e.getProblemCount(); i++) {
                    found.add(translate(e.getProblem(i).getMessage()));
                }
                problems.addAll(found);
                if (!setAside(found, file, env)) {
                    config = bindWithoutValidation(sourceName, file, env);
                    break;
                }
            }
        }
        if (config != null) {
            problems.addAll(ConfigRules.check(config));
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(sourceName, dedupe(problems));
        }
        return config;
    }

    private static final int MAX_PASSES = 4;

    private static MigrationConfig build(String sourceName, Map<String, String> file, Map<String, String> env, boolean validate) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .withSources(fileSource(sourceName, file))
                .withSources(new EnvConfigSource(env, 300))
                .withConverter(Duration.class, 300, StrictValues.DURATION)
                .withConverter(Boolean.class, 300, StrictValues.BOOLEAN)
                .withMapping(MigrationConfig.class)
                .withValidateUnknown(false);
        if (validate) {
            builder.withValidator(new PlainBeanValidator());
        }
        SmallRyeConfig smallRye = builder.build();
        return smallRye.getConfigMapping(MigrationConfig.class);
    }

    /** Binds once more without Bean Validation, so that the cross-key rules can still be checked; null if even that fails. */
    private static MigrationConfig bindWithoutValidation(String sourceName, Map<String, String> file, Map<String, String> env) {
        try {
            return build(sourceName, file, env, false);
        } catch (ConfigValidationException e) {
            return null;
        }
    }

    /**
     * Removes values that could not be converted and fills required ones that are missing with a
     * stand-in, so the next pass can report what else is wrong. False when nothing could be set aside.
     */
    private static boolean setAside(List<ConfigProblem> found, Map<String, String> file, Map<String, String> env) {
        boolean changed = false;
        for (ConfigProblem problem : found) {
            String key = problem.key();
            if (key.isEmpty()) {
                continue;
            }
            if (problem.message().contains(" is not valid: write ")) {
                changed |= file.remove(key) != null;
                changed |= env.keySet().removeIf(name -> name.equals(envName(key)));
            } else if (problem.message().startsWith("required: ") && STAND_INS.containsKey(KnownKeys.normalise(key))
                    && !STAND_INS.get(KnownKeys.normalise(key)).equals(file.get(key))) {
                file.put(key, STAND_INS.get(KnownKeys.normalise(key)));
                changed = true;
            }
        }
        return changed;
    }

    private static final Map<String, String> STAND_INS = Map.of(
            "source.addr", "stand-in:1",
            "target.seed", "stand-in:1",
            "migrate.cutover.batches[*].percentage", "100");

    /**
     * The {@code DF2REDIS_*} variables that name no setting ({@code DF2REDIS_CONFIG} aside): they are
     * ignored, so the command line warns about them (a typo in a password's variable would otherwise
     * go unnoticed until the server refuses the login).
     */
    public static List<String> unknownVariables(Map<String, String> environment) {
        List<String> exact = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (String pattern : KnownKeys.patterns()) {
            int open = pattern.indexOf("[*]");
            int any = pattern.indexOf(".*");
            int cut = open >= 0 && (any < 0 || open < any) ? open : any;
            if (cut >= 0) {
                prefixes.add(envName(pattern.substring(0, cut)) + "_");
            } else {
                exact.add(envName(pattern));
            }
        }
        return environment.keySet().stream()
                .filter(name -> name.startsWith(ENV_PREFIX) && !name.equals(MigrationFile.FILE_ENV))
                .filter(name -> !exact.contains(name) && prefixes.stream().noneMatch(name::startsWith))
                .sorted()
                .toList();
    }

    private static String envName(String key) {
        return ENV_PREFIX + key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    /** The file's properties as a config source for the service's own SmallRye Config. */
    public static PropertiesConfigSource fileSource(String sourceName, Map<String, String> fileProperties) {
        Map<String, String> prefixed = new LinkedHashMap<>();
        fileProperties.forEach((k, v) -> {
            // A key written without a value is left unset (its default applies); only the unknown-key check sees it.
            if (!MigrationFile.NO_VALUE.equals(v)) {
                prefixed.put(MigrationConfig.PREFIX + "." + k, v);
            }
        });
        return new PropertiesConfigSource(prefixed, "migration file " + sourceName, FILE_ORDINAL);
    }

    private static Map<String, String> df2redisVariables(Map<String, String> environment) {
        Map<String, String> variables = new LinkedHashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && !name.equals(MigrationFile.FILE_ENV)) {
                variables.put(name, value);
            }
        });
        return variables;
    }

    /**
     * Keys an earlier version read and this one does not, with what replaces them. Refused rather than
     * translated where the meaning changed (a record count is not a time), so that a file never runs
     * with a threshold its author did not choose.
     */
    static final Map<String, String> REPLACED = Map.of(
            "sync.readyBacklog", "replaced by sync.readyLag: the sync stage is now ready when the drain's lag "
                    + "(age of the oldest unapplied journal record) stays under sync.readyLag (default 500ms) for "
                    + "sync.readyFor; remove sync.readyBacklog, and set sync.readyLag (a duration such as 500ms) if "
                    + "the default does not suit");

    private static List<ConfigProblem> unknownKeys(Map<String, String> fileProperties) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Map.Entry<String, String> property : fileProperties.entrySet()) {
            String key = property.getKey();
            if (property.getValue().equals(MigrationFile.NO_VALUE) && KnownKeys.isSection(key)) {
                continue;
            }
            if (REPLACED.containsKey(key)) {
                problems.add(new ConfigProblem(key, REPLACED.get(key)));
            } else if (!KnownKeys.isKnown(key)) {
                String hint = KnownKeys.suggestion(key)
                        .map(s -> "unknown key: did you mean '" + s + "'?")
                        .orElse("unknown key: remove it (known keys are listed in examples/migrate.sample.yaml)");
                problems.add(new ConfigProblem(key, hint));
            }
        }
        return problems;
    }

    static ConfigProblem translate(String message) {
        Matcher property = PROPERTY.matcher(message);
        String key = property.find() ? property.group(1) : "";
        if (message.contains("SRCFG00014") || message.contains("is required but it could not be found")
                || message.contains("SRCFG00040") || message.contains("is defined as the empty String")) {
            return new ConfigProblem(key, "required: " + RequiredHints.hint(key));
        }
        if (message.contains("SRCFG00039") || message.contains("threw an Exception")) {
            Matcher value = QUOTED_VALUE.matcher(message);
            String written = value.find() ? "\"" + value.group(1) + "\"" : "the value";
            return new ConfigProblem(key, written + " is not valid: write " + KnownKeys.expected(key));
        }
        if (!key.isEmpty()) {
            String rest = message.substring(property.end()).trim();
            return new ConfigProblem(key, rest.isEmpty() ? message : rest);
        }
        return new ConfigProblem("", message);
    }

    private static List<ConfigProblem> dedupe(List<ConfigProblem> problems) {
        Map<String, ConfigProblem> unique = new LinkedHashMap<>();
        problems.forEach(p -> unique.putIfAbsent(p.key() + "|" + p.message(), p));
        return List.copyOf(unique.values());
    }

    /** Bean Validation without an expression language (parameters only), usable before the service boots. */
    private static final class PlainBeanValidator implements BeanValidationConfigValidator {
        private static final Validator VALIDATOR = Validation.byDefaultProvider()
                .configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory()
                .getValidator();

        @Override
        public Validator getValidator() {
            return VALIDATOR;
        }
    }
}
