/**
 * The plan as one document (what `--json` prints and what the text view formats): the platform as
 * the program's own `status` output describes it, resource counts, policy findings, and with a base
 * the tenant diff and resource steps. Its shape is documented in docs/offline-plan.md.
 */
import type { PlatformConfig } from "../../components/config/types";
import type { PlatformStatus } from "../../components/platform/status";
import type { PolicyFinding } from "../harness/policyRun";
import type { Rendered } from "../harness/render";
import { ResourceStep, StepOp, resourceSteps } from "./resourceSteps";
import { TenantDiff, tenantDiff } from "./tenantDiff";
import { UpgradePlan, upgradePlan } from "./upgrade";

export interface StackRef {
    stack: string;
    file: string;
}

export interface PlanReport {
    stack: string;
    file: string;
    mode: PlatformStatus["mode"];
    nocobaseVersion: string;
    supervisor: PlatformStatus["supervisor"];
    /** `adopted`: an existing NocoBase (`entry.external`), whose version only the engine's preview can read. */
    entry: { url: string; runtime: string | null; adopted: boolean };
    /** `runtime` null: `local` of an adopted entry app, a process this stack does not run. */
    environments: { name: string; runtime: string | null; runtimeType: string | null; apps: number }[];
    apps: {
        id: string;
        displayName: string;
        environment: string;
        database: PlatformStatus["apps"][string]["database"];
        domain: string | null;
        startMode: string;
        state: string;
    }[];
    resources: { total: number; byType: Record<string, number> };
    policies: { mandatory: PolicyFinding[]; advisory: PolicyFinding[] };
    diff?: {
        base: StackRef;
        tenants: TenantDiff;
        steps: ResourceStep[];
        counts: Record<StepOp, number>;
        /** The steps that delete or replace a data-holding resource. */
        dataAtRisk: ResourceStep[];
        /** A change of NocoBase version: the backup it takes first, or why it is refused. */
        upgrade?: UpgradePlan;
    };
}

export interface PlanInput extends StackRef {
    config: PlatformConfig;
    rendered: Rendered;
    findings: PolicyFinding[];
    base?: StackRef & { config: PlatformConfig; rendered: Rendered };
}

export function buildPlanReport(input: PlanInput): PlanReport {
    const status = input.rendered.outputs.status.value as PlatformStatus;
    const byType: Record<string, number> = {};
    for (const r of input.rendered.registrations) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const report: PlanReport = {
        stack: input.stack,
        file: input.file,
        mode: status.mode,
        nocobaseVersion: status.nocobaseVersion,
        supervisor: status.supervisor,
        entry: { url: status.entry.url, runtime: status.entry.runtime, adopted: status.entry.adopted },
        environments: Object.entries(status.environments).map(([name, env]) => ({
            name,
            runtime: env.runtime,
            runtimeType: env.runtime === null ? null : input.config.runtimes[env.runtime].type,
            apps: env.apps,
        })),
        apps: Object.entries(status.apps).map(([id, app]) => ({
            id,
            displayName: app.displayName,
            environment: app.environment,
            database: app.database,
            domain: app.domain,
            startMode: app.desired.startMode,
            state: app.desired.state,
        })),
        resources: {
            total: input.rendered.registrations.length,
            byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b))),
        },
        policies: {
            mandatory: input.findings.filter((f) => f.enforcementLevel === "mandatory"),
            advisory: input.findings.filter((f) => f.enforcementLevel === "advisory"),
        },
    };
    if (input.base) {
        const steps = resourceSteps(input.base.rendered.registrations, input.rendered.registrations);
        const counts: Record<StepOp, number> = { create: 0, update: 0, replace: 0, delete: 0 };
        for (const s of steps) counts[s.op]++;
        report.diff = {
            base: { stack: input.base.stack, file: input.base.file },
            tenants: tenantDiff(input.base.config, input.config),
            steps,
            counts,
            dataAtRisk: steps.filter((s) => s.dataAtRisk),
        };
        const upgrade = upgradePlan(input.stack, input.base.config, input.config, input.rendered.registrations, steps);
        if (upgrade) report.diff.upgrade = upgrade;
    }
    return report;
}
