/**
 * All apps of an environment run in one NocoBase process (measured: 560-610 MB resident with a
 * few running apps), so an environment holds a bounded number of apps. The bound is configuration:
 * operators who measured their own load raise or lower it.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { appRegistrations } from "./resources";

export interface CapacityConfig {
    maxAppsPerEnvironment: number;
}

export const appsPerEnvironment: StackValidationPolicy = {
    name: "apps-per-environment",
    description: "No environment hosts more than maxAppsPerEnvironment apps (default 50).",
    // Advisory: a full environment degrades but loses nothing, and the fix (another environment) is a plan of its own.
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
        properties: {
            maxAppsPerEnvironment: {
                type: "integer",
                minimum: 1,
                default: 50,
                description: "Apps one environment (one NocoBase process) may host.",
            },
        },
    },
    validateStack: (args, report) => {
        const { maxAppsPerEnvironment: max } = args.getConfig<CapacityConfig>();
        const byEnvironment = new Map<string, string[]>();
        for (const app of appRegistrations(args.resources))
            byEnvironment.set(app.environment, [...(byEnvironment.get(app.environment) ?? []), app.urn]);
        for (const [environment, urns] of byEnvironment) {
            if (urns.length > max)
                report(
                    `environment ${environment} hosts ${urns.length} apps, more than ${max}: all of them share one NocoBase process`,
                    urns[max],
                );
        }
    },
};
