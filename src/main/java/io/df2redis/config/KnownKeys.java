package io.df2redis.config;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Every key the migration file may hold, derived from {@link MigrationConfig} so that the list
 * can never drift from the mapping. Used to reject typos with a suggestion.
 */
public final class KnownKeys {

    private static final Map<String, Type> TYPES = collect();
    private static final Set<String> PATTERNS = TYPES.keySet();

    private KnownKeys() {
    }

    /** Keys as patterns: lists appear as {@code [*]}, maps as {@code .*}. */
    public static Set<String> patterns() {
        return PATTERNS;
    }

    public static boolean isKnown(String key) {
        return PATTERNS.contains(normalise(key)) || PATTERNS.stream()
                .filter(p -> p.endsWith(".*"))
                .anyMatch(p -> normalise(key).startsWith(p.substring(0, p.length() - 1)));
    }

    /** True for a section of known keys ({@code proxy}, {@code migrate.cutover}), which may be left empty. */
    public static boolean isSection(String key) {
        String prefix = normalise(key) + ".";
        return PATTERNS.stream().anyMatch(p -> p.startsWith(prefix));
    }

    /** The closest known key to a misspelt one, if any is close enough to be a likely typo. */
    public static Optional<String> suggestion(String key) {
        String normalised = normalise(key);
        return PATTERNS.stream()
                .filter(p -> !p.endsWith(".*"))
                .min(Comparator.comparingInt(p -> distance(p.toLowerCase(), normalised.toLowerCase())))
                .filter(p -> distance(p.toLowerCase(), normalised.toLowerCase()) <= Math.max(2, lastSegment(normalised).length() / 3))
                .map(p -> p.replace("[*]", indexOf(key)));
    }

    static String normalise(String key) {
        return key.replaceAll("\\[\\d+]", "[*]");
    }

    private static String indexOf(String key) {
        Matcher m = java.util.regex.Pattern.compile("\\[\\d+]").matcher(key);
        return m.find() ? Matcher.quoteReplacement(m.group()) : "[0]";
    }

    private static String lastSegment(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? key : key.substring(dot + 1);
    }

    /** What a value of this key should look like, for error messages. */
    /**
     * YAML 1.1 reads an unquoted {@code off} or {@code no} as the boolean false (and {@code on}/{@code yes} as
     * true): for an enum key with an {@code off} (or {@code on}) value, that is the value the operator wrote.
     */
    public static String yamlBooleanAsWritten(String key, String value) {
        Type type = TYPES.get(normalise(key));
        if (!(type instanceof Class<?> clazz) || !clazz.isEnum() || !("false".equals(value) || "true".equals(value))) {
            return value;
        }
        String wanted = "false".equals(value) ? "OFF" : "ON";
        return java.util.Arrays.stream(clazz.getEnumConstants()).anyMatch(c -> ((Enum<?>) c).name().equals(wanted))
                ? wanted.toLowerCase() : value;
    }

    public static String expected(String key) {
        Type type = TYPES.get(normalise(key));
        if (type instanceof Class<?> clazz && clazz.isEnum()) {
            return "one of " + java.util.Arrays.stream(clazz.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase().replace('_', '-'))
                    .collect(java.util.stream.Collectors.joining(", "));
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == double.class || type == Double.class) {
            return "a number such as 0.01";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == java.time.Duration.class) {
            return "a duration with its unit, such as 500ms, 30s, 5m, 2h";
        }
        return "a text value";
    }

    private static Map<String, Type> collect() {
        Map<String, Type> keys = new java.util.TreeMap<>();
        walk("", MigrationConfig.class, keys);
        return java.util.Collections.unmodifiableMap(keys);
    }

    private static void walk(String prefix, Class<?> group, Map<String, Type> keys) {
        for (Method method : group.getMethods()) {
            if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers()) || method.isDefault()) {
                continue;
            }
            String name = prefix.isEmpty() ? method.getName() : prefix + "." + method.getName();
            addKey(name, method.getGenericReturnType(), keys);
        }
    }

    private static void addKey(String name, Type type, Map<String, Type> keys) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type argument = parameterized.getActualTypeArguments()[parameterized.getActualTypeArguments().length - 1];
            if (raw == Optional.class) {
                addKey(name, argument, keys);
            } else if (List.class.isAssignableFrom(raw)) {
                addKey(name + "[*]", argument, keys);
            } else if (Map.class.isAssignableFrom(raw)) {
                keys.put(name + ".*", argument);
            }
            return;
        }
        if (type instanceof Class<?> clazz && clazz.isInterface() && clazz.getEnclosingClass() == MigrationConfig.class) {
            walk(name, clazz, keys);
            return;
        }
        keys.put(name, type);
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
