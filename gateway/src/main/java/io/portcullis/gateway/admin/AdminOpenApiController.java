package io.portcullis.gateway.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/openapi.json}: the OpenAPI 3.1 description of the admin API, for anyone
 * with an admin role (viewer and up, as every admin {@code GET}). It is written by hand rather
 * than generated: the controllers read bodies as {@code JsonNode} and answer {@code limits} and
 * {@code policy} as maps, so a generator could not say what they accept or return.
 * {@code AdminOpenApiDriftTest} holds the document to the mapped endpoints and their answers.
 */
@RestController
class AdminOpenApiController {

    /** The document on the classpath; the tests read the same resource. */
    static final String DOCUMENT = "openapi/admin-api.json";
    static final String PATH = "/admin/api/openapi.json";

    private final byte[] document;

    AdminOpenApiController() {
        try {
            // read once: the document is part of the build and cannot change while the gateway runs
            document = new ClassPathResource(DOCUMENT).getContentAsByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("The admin API's OpenAPI document " + DOCUMENT + " is missing", e);
        }
    }

    @GetMapping(PATH)
    ResponseEntity<byte[]> document() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(document);
    }
}
