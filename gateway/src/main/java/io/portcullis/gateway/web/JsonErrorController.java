package io.portcullis.gateway.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Replaces Spring Boot's whitelabel/JSON error page: whatever reaches the servlet container's
 * error dispatch (errors raised in filters, {@code sendError}) is answered in the contract's
 * shape without a stack trace.
 */
@Controller
class JsonErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : 500;
        if (status < 400) {
            status = 500;
        }
        ApiError error = status >= 500 ? ApiError.internal() : ApiError.ofStatus(status, ApiErrorHandler.describe(status));
        ErrorWriter.write(response, error);
    }
}
