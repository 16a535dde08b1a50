/**
 * What a change of `platform.nocobaseVersion` does, before anything else does: whether it is
 * refused (a downgrade, no backup location), the dumps the upgrade backup takes and where, and the
 * workloads that change only after it. The refusals are the provider's own words.
 */
import type { PlatformConfig } from "../../components/config/types";
import { upgradeBackupDirectory } from "../../components/core/backups";
import { TYPES } from "../../components/core/typeTokens";
import { versionChangeProblem } from "../../components/lifecycle/upgradeBackupProvider";
import { Registration, reveal } from "../harness/render";
import type { ResourceStep, StepOp } from "./resourceSteps";

export interface UpgradePlan {
    from: string;
    to: string;
    /** Why the engine will refuse it in the preview, before anything changes; null when it goes ahead. */
    refused: string | null;
    /** Where the dumps go (`<time>` is the moment of the run). */
    directory: string | null;
    /** The dumps it takes, by file name without `.dump`, before any workload changes. */
    backups: string[];
    /** The workload resources that change once the backup is taken. */
    workloads: { op: StepOp; name: string }[];
    /** Apps whose `upgrade` is off: NocoBase leaves their data at the old version. */
    notUpgraded: string[];
}

/** The resources that run NocoBase: what one version must never share with another's data. */
const WORKLOAD_TYPES: readonly string[] = [TYPES.dockerContainer, TYPES.k8sDeployment];

export function upgradePlan(
    stack: string,
    base: PlatformConfig,
    next: PlatformConfig,
    rendered: Registration[],
    steps: ResourceStep[],
): UpgradePlan | undefined {
    const from = base.nocobaseVersion;
    const to = next.nocobaseVersion;
    if (from === to) return undefined;
    const location = next.backups?.location;
    const refused = versionChangeProblem(from, to, location) ?? null;
    const backup = rendered.find((r) => r.type === TYPES.upgradeBackup);
    const databases = (reveal(backup?.inputs.databases) ?? []) as Array<{ name: string }>;
    return {
        from,
        to,
        refused,
        directory:
            refused || !location
                ? null
                : `${location.replace(/\/+$/, "")}/${stack}/${upgradeBackupDirectory(from, to, "<time>")}/`,
        backups: refused ? [] : databases.map((d) => d.name),
        workloads: refused
            ? []
            : steps
                  .filter((s) => WORKLOAD_TYPES.includes(s.type))
                  .map((s) => ({ op: s.op, name: s.name }))
                  .sort((a, b) => a.name.localeCompare(b.name)),
        notUpgraded: (reveal(backup?.inputs.notUpgraded) ?? []) as string[],
    };
}
