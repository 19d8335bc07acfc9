/**
 * The rules of access, in pure Java.
 *
 * <p>This package decides; it never performs I/O. Callers hand it the facts (the key's grant,
 * the requested model, the current instant) and receive a {@link io.portcullis.policy.Decision}
 * value. Only the HTTP edge in {@code gateway} turns a denial into a status code and headers.
 * No Spring, JDBC, servlet or Micrometer types may appear here: an ArchUnit test and the
 * enforcer's {@code bannedDependencies} rule keep that line.
 */
package io.portcullis.policy;
