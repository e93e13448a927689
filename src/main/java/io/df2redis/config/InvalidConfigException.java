package io.df2redis.config;

import java.util.List;
import java.util.stream.Collectors;

/** The migration file cannot be used; carries every problem found, not only the first. */
public class InvalidConfigException extends RuntimeException {

    private final String source;
    private final transient List<ConfigProblem> problems;

    public InvalidConfigException(String source, List<ConfigProblem> problems) {
        super(describe(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public String source() {
        return source;
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    /** One problem of the file as a whole (not found, a directory, unreadable, malformed) reads as one line. */
    private static String describe(String source, List<ConfigProblem> problems) {
        if (problems.size() == 1 && problems.get(0).key().isEmpty()) {
            return "invalid migration config " + source + ": " + problems.get(0).message();
        }
        return problems.stream()
                .map(p -> "  - " + p)
                .collect(Collectors.joining("\n",
                        "invalid migration config " + source + " (" + problems.size() + " problem"
                                + (problems.size() == 1 ? "" : "s") + "):\n",
                        ""));
    }
}
