package dev.ratelimit.servlet;

import javax.servlet.ServletException;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.webhook.WebhookParams;
import dev.ratelimit.core.webhook.WebhookSettings;

/**
 * What one {@link RateLimitFilter}'s parameters say, read and validated together: by the filter's
 * {@code init}, and earlier by {@link RateLimitFilterInitializer} while the application deploys.
 */
final class FilterSettings {

    final Policy policy;
    /** Null when no Redis URL is configured: count in memory. */
    final RedisSettings redis;
    /** Null unless the scope is {@code webhook}. */
    final WebhookSettings webhook;

    private FilterSettings(Policy policy, RedisSettings redis, WebhookSettings webhook) {
        this.policy = policy;
        this.redis = redis;
        this.webhook = webhook;
    }

    /**
     * @param initParams    the names of the filter's init-params
     * @param contextParams the names of the application's context-params
     * @throws ServletException naming the filter, the parameter, the value and what is accepted; or naming
     *         an unknown parameter and the closest known one
     */
    static FilterSettings read(String filterName, ConfigParams params, String application, Iterable<String> initParams,
                               Iterable<String> contextParams) throws ServletException {
        checkNames(filterName, initParams, contextParams);
        return readOrFail(filterName, params, application);
    }

    /** Every init-param and {@code ratelimit.*} context-param name is one we read. */
    static void checkNames(String filterName, Iterable<String> initParams, Iterable<String> contextParams)
            throws ServletException {
        try {
            ParameterNames.checkAll(initParams, "filter '" + filterName + "'");
            ParameterNames.checkContextParams(contextParams);
        } catch (ConfigurationException e) {
            throw new ServletException(e.getMessage(), e);
        }
    }

    /**
     * The settings from parameters whose names were checked; a bad value throws the
     * {@link ConfigurationException} as it is (the caller knows whether a policy file gave it).
     */
    static FilterSettings read(String filterName, ConfigParams params, String application) {
        Policy policy = PolicyParams.read(params, filterName, application);
        return new FilterSettings(policy, RedisParams.read(params), WebhookParams.read(params, policy.scope()));
    }

    private static FilterSettings readOrFail(String filterName, ConfigParams params, String application)
            throws ServletException {
        try {
            return read(filterName, params, application);
        } catch (ConfigurationException e) {
            throw invalid(filterName, e);
        }
    }

    static ServletException invalid(String filterName, ConfigurationException e) {
        return new ServletException("Rate-limit filter '" + filterName + "': " + e.getMessage(), e);
    }
}
