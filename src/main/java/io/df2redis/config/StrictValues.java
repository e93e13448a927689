package io.df2redis.config;

import io.quarkus.runtime.configuration.DurationConverter;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * Values read exactly as written: a boolean is {@code true} or {@code false} (SmallRye's own converter
 * reads {@code maybe} or {@code ture} as false, in security settings too), and a duration names its
 * unit (a bare {@code 5} would silently mean seconds).
 */
final class StrictValues {

    private static final Pattern BARE_NUMBER = Pattern.compile("[+-]?\\d+(\\.\\d+)?");
    private static final DurationConverter DURATIONS = new DurationConverter();

    static final Converter<Boolean> BOOLEAN = value -> {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("true")) {
            return Boolean.TRUE;
        }
        if (text.equals("false")) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("not true or false");
    };

    static final Converter<Duration> DURATION = value -> {
        if (BARE_NUMBER.matcher(value.trim()).matches()) {
            throw new IllegalArgumentException("a duration needs its unit");
        }
        return DURATIONS.convert(value);
    };

    private StrictValues() {
    }
}
