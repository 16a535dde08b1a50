/**
 * The shape NocoBase's multi-environment mode needs, read from the processes the stack runs: a
 * supervisor (APP_MODE=supervisor) reaches its workers only through Redis, and without at least
 * one worker (APP_MODE=worker) no app can start. Schema mode needs PostgreSQL in the process that
 * hosts the app, since schemas are a PostgreSQL feature.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { NocobaseWorkload, appRegistrations, nocobaseWorkloads } from "./resources";

const REDIS_VARIABLES = ["APP_SUPERVISOR_REDIS_URL", "APP_COMMAND_REDIS_URL"];

export const multiEnvironmentTopology: StackValidationPolicy = {
    name: "multi-environment-topology",
    description:
        "A supervisor entry app has at least one worker environment, and the supervisor and every worker are given Redis.",
    // Without either, every app of the platform is unreachable.
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) => {
        const workloads = nocobaseWorkloads(args.resources);
        const supervisors = workloads.filter((w) => w.env.APP_MODE === "supervisor");
        const workers = workloads.filter((w) => w.env.APP_MODE === "worker");
        if (supervisors.length === 0) return;
        if (workers.length === 0)
            report("multi-environment mode runs no worker (APP_MODE=worker): no app can start", supervisors[0].urn);
        for (const w of [...supervisors, ...workers]) {
            const missing = REDIS_VARIABLES.filter((v) => !w.env[v]);
            if (missing.length > 0)
                report(
                    `${w.env.APP_MODE} ${w.name} has no ${missing.join(", ")}: the supervisor and its workers talk through Redis`,
                    w.urn,
                );
        }
    },
};

/** The process that hosts an environment's apps: its worker, or the entry app in shared-memory mode. */
function hostOf(environment: string, workloads: NocobaseWorkload[]): NocobaseWorkload | undefined {
    const workers = workloads.filter((w) => w.env.APP_MODE === "worker");
    if (workers.length > 0) return workers.find((w) => w.env.ENVIRONMENT_NAME === environment);
    return workloads.find((w) => w.env.APP_MODE === undefined);
}

export const schemaModeOnPostgres: StackValidationPolicy = {
    name: "schema-mode-on-postgresql",
    description: "Apps that use a schema run in a NocoBase process whose database dialect is PostgreSQL.",
    // NocoBase would fail to create the app; tenants would be half-registered.
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, report) => {
        const workloads = nocobaseWorkloads(args.resources);
        for (const app of appRegistrations(args.resources)) {
            if (!app.database?.schema) continue;
            const dialect = hostOf(app.environment, workloads)?.env.DB_DIALECT;
            if (dialect !== undefined && dialect !== "postgres") {
                report(
                    `app ${app.appId} uses schema ${app.database.schema}, but environment ${app.environment} runs on ${dialect}; schema mode needs PostgreSQL`,
                    app.urn,
                );
            }
        }
    },
};
