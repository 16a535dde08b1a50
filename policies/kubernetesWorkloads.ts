/**
 * Kubernetes workloads declare what they need and how to tell they work. A NocoBase process hosts
 * every app of its environment: without limits one environment can starve a node, and without
 * probes on NocoBase's health check a replica that is still migrating gets traffic.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { HEALTH_CHECK_PATH } from "../components/core/nocobase";
import { K8S_WORKLOAD_TYPES, K8sContainer, isNocobaseImage, podContainers } from "./resources";

const PROBES = ["readinessProbe", "livenessProbe"] as const;

export function containerProblems(c: K8sContainer): string[] {
    const problems: string[] = [];
    for (const kind of ["requests", "limits"] as const) {
        const r = c.resources?.[kind] ?? {};
        const missing = ["cpu", "memory"].filter((k) => r[k] === undefined);
        if (missing.length > 0) problems.push(`container ${c.name} has no ${kind} for ${missing.join(" and ")}`);
    }
    if (c.image && isNocobaseImage(c.image)) {
        for (const probe of PROBES) {
            const path = c[probe]?.httpGet?.path;
            if (path !== HEALTH_CHECK_PATH)
                problems.push(
                    `container ${c.name}: ${probe} must GET ${HEALTH_CHECK_PATH}${path ? `, got ${path}` : ""}`,
                );
        }
    }
    return problems;
}

export const kubernetesWorkloadHealth: ResourceValidationPolicy = {
    name: "kubernetes-workload-health",
    description: `Kubernetes workloads set CPU and memory requests and limits; NocoBase containers probe ${HEALTH_CHECK_PATH} for readiness and liveness.`,
    // Both failures take every app of an environment down together.
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        if (!K8S_WORKLOAD_TYPES.includes(args.type)) return;
        for (const c of podContainers(args.props)) for (const problem of containerProblems(c)) report(problem);
    },
};
