package io.df2redis.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.df2redis.importer.Importer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the layering of the service's packages, bottom to top (each may use only those below it):
 * {@code contract} (shared with the proxy plugin), {@code config}, {@code state}, {@code resp},
 * {@code copy} (the direction-neutral writer), {@code proxy} (supervising the proxy process),
 * {@code migration} (engine, stages, drain, verifier, cutover, rollback), {@code importer} (the importer
 * stage and its plugins), {@code health}, {@code local}, {@code api}, {@code dashboard}, {@code cli}.
 * The exceptions below are named one by one, with why they stand.
 */
class LayeringTest {

    private static final String ROOT = "io.df2redis";
    private static final String PLUGIN = "io.df2redis.proxy.runtime..";
    private static final String CONTRACT = "io.df2redis.contract..";

    private static JavaClasses service;

    @BeforeAll
    static void importService() {
        service = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void noImportRunsBackUpBetweenTopLevelPackages() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("contract").definedBy(CONTRACT)
                .layer("config").definedBy("io.df2redis.config..")
                .layer("state").definedBy("io.df2redis.state..")
                .layer("resp").definedBy("io.df2redis.resp..")
                .layer("copy").definedBy("io.df2redis.copy..")
                .layer("proxy").definedBy("io.df2redis.proxy..")
                .layer("migration").definedBy("io.df2redis.migration..")
                .layer("importer").definedBy("io.df2redis.importer..")
                .layer("health").definedBy("io.df2redis.health..")
                .layer("local").definedBy("io.df2redis.local..")
                .layer("api").definedBy("io.df2redis.api..")
                .layer("dashboard").definedBy("io.df2redis.dashboard..")
                .layer("cli").definedBy("io.df2redis.cli..")
                .whereLayer("contract").mayNotAccessAnyLayer()
                .whereLayer("config").mayOnlyAccessLayers("contract")
                .whereLayer("state").mayOnlyAccessLayers("contract", "config")
                .whereLayer("resp").mayOnlyAccessLayers("contract", "config", "state")
                .whereLayer("copy").mayOnlyAccessLayers("contract", "config", "state", "resp")
                .whereLayer("proxy").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy")
                .whereLayer("migration").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy")
                .whereLayer("importer").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy", "migration")
                .whereLayer("health").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy", "migration",
                        "importer")
                .whereLayer("local").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy", "migration",
                        "importer", "health")
                .whereLayer("api").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy", "migration",
                        "importer", "health", "local")
                .whereLayer("dashboard").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy", "migration",
                        "importer", "health", "local", "api")
                .whereLayer("cli").mayOnlyAccessLayers("contract", "config", "state", "resp", "copy", "proxy", "migration",
                        "importer", "health", "local", "api", "dashboard")
                // A remote call that timed out is reported as the engine's RetryableStageException, so that the
                // stage retries it; the exception belongs below both (it is to move with the typed state work).
                .ignoreDependency(nameIs("io.df2redis.resp.RemoteFailure"), nameIs("io.df2redis.migration.engine.RetryableStageException"))
                // The control-token filter lets the dashboard's file names through unauthenticated and takes their
                // pattern from the dashboard resource, which in turn answers errors with the API's Problem type.
                .ignoreDependency(nameIs("io.df2redis.api.ControlTokenFilter"), nameIs("io.df2redis.dashboard.DashboardResource"))
                .check(service);
    }

    @Test
    void importerAndMigrationAreFreeOfCycles() {
        noClasses().that().resideInAPackage("io.df2redis.migration..")
                .should().dependOnClassesThat().resideInAPackage("io.df2redis.importer..")
                .because("the importers plug into the migration engine; the engine never reaches back into them")
                .check(service);
        slices().matching("io.df2redis.(importer|migration|copy)..").should().beFreeOfCycles().check(service);
    }

    @Test
    void eachImporterHasItsOwnPackage() {
        Map<String, java.util.List<String>> byPackage = service.stream()
                .filter(c -> c.isAssignableTo(Importer.class) && !c.isInterface())
                .collect(Collectors.groupingBy(JavaClass::getPackageName,
                        Collectors.mapping(JavaClass::getSimpleName, Collectors.toList())));
        assertEquals(Map.of("io.df2redis.importer.scan", java.util.List.of("ScanImporter"),
                "io.df2redis.importer.rdb", java.util.List.of("RdbFileImporter"),
                "io.df2redis.importer.rdbcli", java.util.List.of("RdbCliImporter")), byPackage);
        slices().matching("io.df2redis.importer.(*)..").should().notDependOnEachOther().check(service);
        noClasses().that().resideInAPackage("io.df2redis.importer")
                .should().dependOnClassesThat().resideInAnyPackage("io.df2redis.importer.*..")
                .because("the importer SPI and stage know no implementation; they are chosen by name at start-up")
                .check(service);
    }

    @Test
    void serviceAndPluginMeetOnlyThroughTheContract() {
        noClasses().should().dependOnClassesThat().resideInAPackage(PLUGIN).check(service);
        Path pluginClasses = Path.of("src/proxy/target/classes");
        assertTrue(Files.isDirectory(pluginClasses), "the proxy plugin is built before the service's tests: " + pluginClasses);
        JavaClasses plugin = new ClassFileImporter().importPath(pluginClasses);
        assertFalse(plugin.isEmpty(), "no plugin classes in " + pluginClasses);
        noClasses().should().dependOnClassesThat(resideInAPackage(ROOT + "..").and(not(resideInAnyPackage(PLUGIN, CONTRACT))))
                .because("the plugin reaches the service's code only through io.df2redis.contract")
                .check(plugin);
    }

    private static com.tngtech.archunit.base.DescribedPredicate<JavaClass> nameIs(String name) {
        return JavaClass.Predicates.equivalentTo(classFor(name));
    }

    private static Class<?> classFor(String name) {
        try {
            return Class.forName(name, false, LayeringTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a named exception of the layering is gone: " + name
                    + " (remove it from LayeringTest)", e);
        }
    }
}
