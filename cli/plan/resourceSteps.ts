/**
 * The steps `pulumi up` would take from one render to another, by URN: only in the new render is a
 * create, only in the base a delete, in both with different inputs an update or a replace. Which
 * input changes force a replacement is provider knowledge, written down below for the types this
 * program registers (read from the providers' schemas: ForceNew in terraform-provider-postgresql
 * and terraform-provider-docker, immutable fields in Kubernetes, the dynamic app provider's diff).
 */
import { isDeepStrictEqual } from "node:util";
import type { Registration } from "../harness/render";
import { TYPES } from "../../components/core/typeTokens";

export type StepOp = "create" | "update" | "replace" | "delete";

export interface ResourceStep {
    op: StepOp;
    urn: string;
    type: string;
    name: string;
    /** Input paths that differ (update, replace); the ones that force a replacement come first. */
    changed: string[];
    /** A data-holding resource that this step deletes or replaces. */
    dataAtRisk: boolean;
    /** Options of the resource as it is deployed (the base), for delete and replace. */
    protect: boolean;
    retainOnDelete: boolean;
}

/** Input paths (dotted) whose change replaces the resource; `all` with exceptions, or a list. */
type ReplaceRule = { all: true; except: readonly string[] } | { only: readonly string[] };

const K8S_IDENTITY = ["metadata.name", "metadata.namespace"];

export const REPLACE_RULES: Record<string, ReplaceRule> = {
    // Renaming a database, schema or role is ALTER ... RENAME, an update.
    [TYPES.pgDatabase]: { only: ["template", "encoding", "lcCollate", "lcCtype"] },
    [TYPES.pgSchema]: { only: ["database"] },
    [TYPES.pgRole]: { only: [] },
    [TYPES.pgGrant]: { only: ["role", "database", "schema", "objectType", "objects", "columns", "withGrantOption"] },
    // A container is recreated for any change but these (the provider updates them in place).
    [TYPES.dockerContainer]: {
        all: true,
        except: [
            "restart",
            "rm",
            "start",
            "wait",
            "waitTimeout",
            "attach",
            "logs",
            "mustRun",
            "maxRetryCount",
            "removeVolumes",
            "destroyGraceSeconds",
            "memory",
            "memoryReservation",
            "memorySwap",
            "cpuShares",
            "cpuSet",
            "cpuPeriod",
            "cpuQuota",
            "healthcheck",
            "init",
            "tmpfs",
        ],
    },
    [TYPES.dockerVolume]: { all: true, except: [] },
    [TYPES.dockerNetwork]: { all: true, except: [] },
    [TYPES.dockerImage]: { only: ["name", "platform", "build"] },
    [TYPES.randomPassword]: { all: true, except: [] },
    [TYPES.randomId]: { all: true, except: [] },
    [TYPES.k8sNamespace]: { only: ["metadata.name"] },
    [TYPES.k8sSecret]: { only: [...K8S_IDENTITY, "type"] },
    [TYPES.k8sService]: { only: [...K8S_IDENTITY, "spec.clusterIP"] },
    [TYPES.k8sClaim]: {
        only: [
            ...K8S_IDENTITY,
            "spec.accessModes",
            "spec.storageClassName",
            "spec.volumeName",
            "spec.volumeMode",
            "spec.selector",
        ],
    },
    [TYPES.k8sDeployment]: { only: [...K8S_IDENTITY, "spec.selector"] },
    [TYPES.k8sIngress]: { only: K8S_IDENTITY },
    // The app provider's diff: the app id is NocoBase's key; everything else is an update.
    [TYPES.app]: { only: ["appId"] },
};

/** Where tenant or platform data lives: deleting or replacing one of these loses it. */
export const DATA_HOLDING_TYPES: readonly string[] = [
    TYPES.pgDatabase,
    TYPES.pgSchema,
    TYPES.pgRole,
    TYPES.dockerVolume,
    TYPES.k8sClaim,
];

/** The provider's code: it changes with the code, not the config; PROVIDER_VERSION tracks behaviour. */
const IGNORED_INPUTS = new Set(["__provider"]);

/**
 * Inputs whose change a provider's diff does not count as a change, per type. The upgrade backup's
 * list of databases grows with every tenant; only a version change (or where backups go) updates it.
 */
const IGNORED_BY_DIFF: Record<string, ReadonlySet<string>> = {
    [TYPES.upgradeBackup]: new Set(["databases", "admin", "notUpgraded"]),
};

export function resourceSteps(base: Registration[], next: Registration[]): ResourceStep[] {
    const before = new Map(base.map((r) => [r.urn, r]));
    const after = new Map(next.map((r) => [r.urn, r]));
    const steps: ResourceStep[] = [];
    for (const r of next) {
        const old = before.get(r.urn);
        if (!old) {
            steps.push(step("create", r, []));
            continue;
        }
        const changed = changedPaths(old.inputs, r.inputs, r.type);
        if (changed.length === 0) continue;
        const forcing = changed.filter((p) => forcesReplace(r.type, p));
        steps.push(
            step(forcing.length > 0 ? "replace" : "update", old, [
                ...forcing,
                ...changed.filter((p) => !forcing.includes(p)),
            ]),
        );
    }
    for (const r of base) if (!after.has(r.urn)) steps.push(step("delete", r, []));
    propagateReplacements(steps, next, before);
    return steps;
}

/**
 * A replaced resource gets new outputs (a new image id, a new password), which its dependents
 * consume; the mocks keep outputs stable, so the render cannot show that. A dependent whose type
 * replaces on any input change is replaced too, any other is updated, as `pulumi preview` shows
 * with the new outputs still unknown.
 */
function propagateReplacements(steps: ResourceStep[], next: Registration[], before: Map<string, Registration>): void {
    const byUrn = new Map(steps.map((s) => [s.urn, s]));
    let changed = true;
    while (changed) {
        changed = false;
        for (const r of next) {
            const own = byUrn.get(r.urn);
            if (!before.has(r.urn) || own?.op === "replace") continue;
            const replaced = r.dependencies.filter((d) => byUrn.get(d)?.op === "replace");
            if (replaced.length === 0) continue;
            const rule = REPLACE_RULES[r.type];
            const op: StepOp = rule && "all" in rule ? "replace" : "update";
            if (own?.op === op) continue;
            const via = replaced.map((d) => `outputs of ${d.split("::").pop()}`);
            const s = step(op, before.get(r.urn)!, [...(own?.changed ?? []), ...via]);
            if (own) steps.splice(steps.indexOf(own), 1, s);
            else steps.push(s);
            byUrn.set(r.urn, s);
            changed = true;
        }
    }
}

function step(op: StepOp, r: Registration, changed: string[]): ResourceStep {
    const dataAtRisk = (op === "delete" || op === "replace") && DATA_HOLDING_TYPES.includes(r.type);
    return {
        op,
        urn: r.urn,
        type: r.type,
        name: r.name,
        changed,
        dataAtRisk,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
    };
}

function forcesReplace(type: string, path: string): boolean {
    const rule = REPLACE_RULES[type];
    if (!rule) return false;
    const within = (prefixes: readonly string[]) =>
        prefixes.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
    return "all" in rule ? !within(rule.except) : within(rule.only);
}

/**
 * Dotted paths of the inputs that differ, down to the depth the rules name (`metadata.name`), so
 * that a rule can match; deeper differences are reported at that depth.
 */
function changedPaths(a: Record<string, unknown>, b: Record<string, unknown>, type: string): string[] {
    const depth = Math.max(1, ...ruleDepths(type));
    const paths: string[] = [];
    const walk = (x: unknown, y: unknown, path: string, level: number) => {
        if (isDeepStrictEqual(x, y)) return;
        if (level < depth && isObject(x) && isObject(y)) {
            for (const k of new Set([...Object.keys(x), ...Object.keys(y)]))
                walk(x[k], y[k], path ? `${path}.${k}` : k, level + 1);
            return;
        }
        paths.push(path);
    };
    const ignored = IGNORED_BY_DIFF[type];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
        if (!IGNORED_INPUTS.has(k) && !ignored?.has(k)) walk(a[k], b[k], k, 1);
    return paths;
}

function ruleDepths(type: string): number[] {
    const rule = REPLACE_RULES[type];
    if (!rule) return [];
    return ("all" in rule ? rule.except : rule.only).map((p) => p.split(".").length);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && v.constructor === Object;
}
