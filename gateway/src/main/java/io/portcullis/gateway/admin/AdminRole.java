package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import java.util.Locale;

/**
 * What an admin identity may do. Admin, operator and viewer each include the ones below them (see
 * the role hierarchy in {@link SecurityConfiguration}); developer stands apart and includes none. The lower-case names are stored in {@code admin_account.role}
 * and appear in the admin API: never rename one.
 */
enum AdminRole {
    /** Everything, including accounts and admin tokens. */
    ADMIN,
    /** Keys and teams; no account management. */
    OPERATOR,
    /** Read only. */
    VIEWER,
    /**
     * Their own keys in the teams they belong to, within each team's developer key limits, and
     * their own usage ({@code /admin/api/me/**}); nothing else, not even reading.
     */
    DEVELOPER;

    String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    String authority() {
        return "ROLE_" + name();
    }

    static AdminRole parse(String value, String param) {
        if (value != null) {
            for (AdminRole role : values()) {
                if (role.value().equals(value)) {
                    return role;
                }
            }
        }
        throw ApiError.invalidRequest("'" + param + "' must be one of admin, operator, viewer, developer", param).toException();
    }
}
