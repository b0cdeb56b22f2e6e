package dev.ratelimit.jaxrs;

import java.util.HashMap;
import java.util.Map;

import javax.servlet.Servlet;

import org.glassfish.jersey.servlet.ServletContainer;
import org.jboss.resteasy.plugins.server.servlet.HttpServlet30Dispatcher;

/** A JAX-RS runtime as its servlet, configured the way web.xml would: by init-params. */
enum JaxrsRuntime {

    JERSEY {
        @Override
        Servlet servlet() {
            return new ServletContainer();
        }

        @Override
        Map<String, String> initParams(String mapping) {
            Map<String, String> params = new HashMap<>();
            params.put("jersey.config.server.wadl.disableWadl", "true");
            return params;
        }
    },

    RESTEASY {
        @Override
        Servlet servlet() {
            return new HttpServlet30Dispatcher();
        }

        @Override
        Map<String, String> initParams(String mapping) {
            Map<String, String> params = new HashMap<>();
            params.put("resteasy.servlet.mapping.prefix", mapping);
            return params;
        }
    };

    abstract Servlet servlet();

    /** Init-params besides {@code javax.ws.rs.Application}, for a servlet mapped at {@code mapping + "/*"}. */
    abstract Map<String, String> initParams(String mapping);
}
