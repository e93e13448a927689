package io.df2redis.proxy;

/** The drain applied every journal record up to {@code seq} (a CDI event, fired after each persisted batch). */
public record JournalApplied(long seq) {
}
