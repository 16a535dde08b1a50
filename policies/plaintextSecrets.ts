/**
 * No secret in plain text where the pack can tell: the policy SDK hands policies every input with
 * secrets already unwrapped (`deserializeProperties(props, false)`), so a policy cannot see whether
 * a value was a Pulumi secret. What it can see is structure: a Kubernetes container that sets a
 * secret-bearing variable by `value` puts it in the Deployment (readable by anyone who may read
 * Deployments) instead of a Secret, and a ConfigMap is never the place for one. The offline plan
 * checks secret marks too (cli/plan/secretMarks.ts), because the render keeps them.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { podContainers } from "./resources";
import { TYPES } from "../components/core/typeTokens";
import { isSecretEnv } from "./secretNames";

export const noPlaintextSecrets: ResourceValidationPolicy = {
    name: "no-plaintext-secrets",
    description:
        "Kubernetes workloads take secret-bearing variables from Secrets, never as plain env values or ConfigMap data.",
    // A leaked APP_KEY or database password compromises every tenant at once.
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, report) => {
        // Anything with a pod template: a Job's variables are as readable as a Deployment's.
        for (const c of podContainers(args.props)) {
            for (const e of c.env ?? []) {
                if (typeof e.value === "string" && isSecretEnv(e.name, e.value)) {
                    report(
                        `container ${c.name} sets ${e.name} as a plain value; load it from a Secret (envFrom or valueFrom.secretKeyRef)`,
                    );
                }
            }
        }
        if (args.type === TYPES.k8sConfigMap) {
            for (const [key, value] of Object.entries((args.props.data as Record<string, unknown>) ?? {})) {
                if (typeof value === "string" && isSecretEnv(key, value))
                    report(`ConfigMap key ${key} holds a secret; use a Secret`);
            }
        }
    },
};
