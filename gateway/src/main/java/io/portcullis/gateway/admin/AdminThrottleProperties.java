package io.portcullis.gateway.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.admin.throttle.*}: how many failed admin authentications a client address (and a
 * console account) may have per minute before it is refused without any password check or
 * database query. Counted per replica, like the API key throttle (behind N replicas an address
 * gets N times the allowance; the point is to make guessing slow and cheap to refuse).
 *
 * @param tokenFailuresPerAddress  unknown admin bearer tokens per address and minute, then 429
 * @param signInFailuresPerAddress failed console sign-ins per address and minute, then refused
 *                                 before the bcrypt
 * @param signInFailuresPerAccount failed sign-ins per account (from all addresses together) and
 *                                 minute; beyond it, addresses that failed against the account
 *                                 this minute are refused, others are still heard
 */
@ConfigurationProperties("gateway.admin.throttle")
record AdminThrottleProperties(@DefaultValue("30") int tokenFailuresPerAddress,
                               @DefaultValue("10") int signInFailuresPerAddress,
                               @DefaultValue("30") int signInFailuresPerAccount) {

    AdminThrottleProperties {
        if (tokenFailuresPerAddress < 1 || signInFailuresPerAddress < 1 || signInFailuresPerAccount < 1) {
            throw new IllegalArgumentException("gateway.admin.throttle.* must be at least 1");
        }
    }
}
