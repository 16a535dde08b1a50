/**
 * An app without its own JWT secret accepts the entry app's session tokens; if user ids overlap
 * between the two, a user of one is signed in to the other (NocoBase's own warning). In production
 * that needs an acknowledgment beyond `jwtSecret: shared`, whose absence is the default: the app says
 * `acknowledgeSharedSessions: true` (its registration carries `sharedSessionsAcknowledged`), or its
 * id is listed in this policy's `allowSharedJwtSecret`, which whoever runs the pack controls.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ProductionConfig, isProduction, productionConfigSchema } from "./production";
import { TYPES } from "../components/core/typeTokens";

export interface SharedJwtConfig extends ProductionConfig {
    allowSharedJwtSecret: string[];
}

export const noSharedJwtInProduction: ResourceValidationPolicy = {
    name: "no-shared-jwt-secret-in-production",
    description:
        "In production stacks, every app has its own JWT secret unless it acknowledges shared sessions or is listed in allowSharedJwtSecret.",
    // Cross-app sign-in is a data leak between tenants, not a style issue.
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            ...productionConfigSchema,
            allowSharedJwtSecret: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "App ids allowed to share the entry app's sessions in production.",
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== TYPES.app) return;
        const config = args.getConfig<SharedJwtConfig>();
        if (!isProduction(args.urn, args.stackTags, config)) return;
        const appId = String(args.props.appId);
        if (
            args.props.jwtSecret === undefined &&
            args.props.sharedSessionsAcknowledged !== true &&
            !config.allowSharedJwtSecret.includes(appId)
        ) {
            report(
                `app ${appId} shares the entry app's JWT secret in a production stack; give it its own (jwtSecret: independent), or say acknowledgeSharedSessions: true, or list it in allowSharedJwtSecret`,
            );
        }
    },
};
