package io.df2redis.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's table "What df2redis refuses and why" is checked against the tests: every row names
 * at least one test ({@code Class#method}) and each named test exists, so a row cannot outlive the
 * test that proves it.
 */
class RefusalTableTest {

    private static final Path README = Path.of("README.md");
    private static final Path TESTS = Path.of("src/test/java");
    private static final Pattern TEST_REFERENCE = Pattern.compile("`([A-Z][A-Za-z0-9]*)#([a-z][A-Za-z0-9]*)`");

    @Test
    void everyRowOfTheRefusalTableNamesATestThatExists() throws IOException {
        List<String> rows = tableRows();
        assertTrue(rows.size() >= 20, "the table lists the refusals: " + rows.size() + " rows");
        List<String> problems = new ArrayList<>();
        for (String row : rows) {
            Matcher references = TEST_REFERENCE.matcher(row);
            boolean any = false;
            while (references.find()) {
                any = true;
                String problem = missing(references.group(1), references.group(2));
                if (problem != null) {
                    problems.add(problem);
                }
            }
            if (!any) {
                problems.add("a row names no test (`Class#method`): " + row);
            }
        }
        assertEquals(List.of(), problems);
    }

    private static List<String> tableRows() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int start = lines.indexOf("## What df2redis refuses and why");
        assertTrue(start >= 0, "README has the section '## What df2redis refuses and why'");
        List<String> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (line.startsWith("|")) {
                if (inTable && !line.startsWith("|---")) {
                    rows.add(line);
                }
                inTable = true;
            }
        }
        // the header row is the first line of the table
        return rows;
    }

    private static String missing(String className, String method) throws IOException {
        Path file;
        try (Stream<Path> files = Files.walk(TESTS)) {
            file = files.filter(f -> f.getFileName().toString().equals(className + ".java")).findFirst().orElse(null);
        }
        if (file == null) {
            return "no test class " + className;
        }
        if (!Pattern.compile("void " + method + "\\(").matcher(Files.readString(file)).find()) {
            return "no test " + className + "#" + method;
        }
        return null;
    }
}
