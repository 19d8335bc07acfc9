package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import java.util.Locale;

/**
 * What an admin identity may do. Each role includes the ones below it (see the role hierarchy in
 * {@link SecurityConfiguration}). The lower-case names are stored in {@code admin_account.role}
 * and appear in the admin API: never rename one.
 */
enum AdminRole {
    /** Everything, including accounts and admin tokens. */
    ADMIN,
    /** Keys and teams; no account management. */
    OPERATOR,
    /** Read only. */
    VIEWER;

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
        throw ApiError.invalidRequest("'" + param + "' must be one of admin, operator, viewer", param).toException();
    }
}
