package io.df2redis.config;

import io.quarkus.logging.LoggingFilter;
import java.text.MessageFormat;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;

/** Masks secret values in every log record, whatever logged it (ours, Vert.x, Netty). */
@LoggingFilter(name = "mask-secrets")
public final class MaskingLogFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        String formatted = format(record);
        String masked = Secrets.mask(formatted);
        if (masked != null && !masked.equals(formatted)) {
            record.setMessage(masked);
            record.setParameters(null);
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(masked, ExtLogRecord.FormatStyle.NO_FORMAT);
            }
        }
        if (record.getThrown() != null) {
            String thrown = String.valueOf(record.getThrown());
            if (!Secrets.mask(thrown).equals(thrown)) {
                record.setThrown(new MaskedThrowable(Secrets.mask(thrown)));
            }
        }
        return true;
    }

    private static String format(LogRecord record) {
        String message = record.getMessage();
        Object[] parameters = record.getParameters();
        if (message == null || parameters == null || parameters.length == 0) {
            return message;
        }
        try {
            if (record instanceof ExtLogRecord ext && ext.getFormatStyle() == ExtLogRecord.FormatStyle.PRINTF) {
                return String.format(message, parameters);
            }
            return MessageFormat.format(message, parameters);
        } catch (IllegalArgumentException e) {
            return message;
        }
    }

    /** Stands in for an exception whose text held a secret: keeps the masked text, drops the original. */
    static final class MaskedThrowable extends RuntimeException {
        MaskedThrowable(String text) {
            super(text, null, false, false);
        }
    }
}
