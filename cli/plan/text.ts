/** The plan for people: the same content as the JSON document, as aligned text. */
import type { PlanReport } from "./report";
import type { PolicyFinding } from "../harness/policyRun";
import type { ResourceStep, StepOp } from "./resourceSteps";

const SYMBOL: Record<StepOp, string> = { create: "+", update: "~", replace: "+-", delete: "-" };

export function formatPlan(report: PlanReport): string {
    const out: string[] = [];
    out.push(`Stack ${report.stack} (${report.file})`);
    out.push(`Mode ${report.mode}, NocoBase ${report.nocobaseVersion}, supervisor ${report.supervisor}`);
    out.push(
        report.entry.adopted
            ? `Entry app ${report.entry.url}, adopted: nothing is run or created for it; pulumi preview checks that it runs NocoBase ${report.nocobaseVersion}`
            : `Entry app ${report.entry.url} on runtime ${report.entry.runtime}`,
        "",
    );
    out.push("Environments");
    out.push(
        ...table(
            ["NAME", "RUNTIME", "APPS"],
            report.environments.map((e) => [
                e.name,
                e.runtime === null ? "the adopted entry app" : `${e.runtime} (${e.runtimeType})`,
                String(e.apps),
            ]),
        ),
        "",
    );
    out.push("Apps");
    out.push(
        ...table(
            ["ID", "ENVIRONMENT", "DATABASE", "DOMAIN", "START", "STATE"],
            report.apps.map((a) => [
                a.id,
                a.environment,
                databaseText(a.database),
                a.domain ?? "-",
                a.startMode,
                a.state,
            ]),
        ),
        "",
    );
    out.push(`Resources: ${report.resources.total}`);
    out.push(
        ...table(
            ["COUNT", "TYPE"],
            Object.entries(report.resources.byType).map(([type, n]) => [String(n), type]),
        ),
        "",
    );
    const { mandatory, advisory } = report.policies;
    out.push(`Policy violations: ${mandatory.length} mandatory, ${advisory.length} advisory`);
    for (const f of [...mandatory, ...advisory]) out.push(`  [${f.enforcementLevel}] ${findingText(f)}`);
    if (report.diff) out.push("", ...diffText(report.diff));
    return out.join("\n");
}

export function findingText(f: PolicyFinding): string {
    const resource = f.urn ? ` (${f.urn.split("::").pop()})` : "";
    return `${f.policy}: ${f.message}${resource}`;
}

function diffText(diff: NonNullable<PlanReport["diff"]>): string[] {
    const out = [`Changes from ${diff.base.file}`];
    const t = diff.tenants;
    const line = (label: string, items: string[]) => items.length > 0 && out.push(`  ${label}: ${items.join(", ")}`);
    for (const c of t.platform) out.push(`  platform ${c.field}: ${c.from} -> ${c.to}`);
    line("environments added", t.environmentsAdded);
    line("environments removed", t.environmentsRemoved);
    line("apps added", t.appsAdded);
    line("apps removed", t.appsRemoved);
    line(
        "apps moved",
        t.appsMoved.map((m) => `${m.id} (${m.from} -> ${m.to})`),
    );
    for (const c of t.appsChanged)
        out.push(
            `  app ${c.id}: ${c.changes.map((f) => `${f.field} ${JSON.stringify(f.from)} -> ${JSON.stringify(f.to)}`).join("; ")}`,
        );
    if (out.length === 1) out.push("  no tenant changes");
    const { create, update, replace, delete: del } = diff.counts;
    out.push("", `Resource steps: ${create} to create, ${update} to update, ${replace} to replace, ${del} to delete`);
    for (const s of diff.steps)
        out.push(
            `  ${SYMBOL[s.op].padEnd(2)} ${s.op.padEnd(7)} ${s.type} ${s.name}${s.changed.length > 0 ? ` [${s.changed.join(", ")}]` : ""}`,
        );
    if (diff.upgrade) out.push("", ...upgradeText(diff.upgrade));
    if (diff.dataAtRisk.length > 0) {
        out.push(
            "",
            `!!! DATA AT RISK: ${diff.dataAtRisk.length} data-holding resource${diff.dataAtRisk.length === 1 ? "" : "s"} would be deleted or replaced !!!`,
        );
        for (const s of diff.dataAtRisk) out.push(`  !!! ${s.op.toUpperCase()} ${s.type} ${s.name}: ${dataFate(s)}`);
    }
    return out;
}

function upgradeText(u: NonNullable<NonNullable<PlanReport["diff"]>["upgrade"]>): string[] {
    const out = [`Upgrade NocoBase ${u.from} -> ${u.to}`];
    if (u.refused) return [...out, `  REFUSED before anything changes: ${u.refused}`];
    out.push(`  first, dumps ${u.backups.length} database${u.backups.length === 1 ? "" : "s"} to ${u.directory}`);
    for (const b of u.backups) out.push(`    ${b}.dump`);
    out.push("  then, once every dump reads back:");
    for (const w of u.workloads) out.push(`    ${w.op} ${w.name}`);
    if (u.notUpgraded.length > 0)
        out.push(`  upgrade: false (NocoBase leaves their data at ${u.from}): ${u.notUpgraded.join(", ")}`);
    return out;
}

/** What happens to the data, given the options the deployed resource has. */
export function dataFate(s: ResourceStep): string {
    if (s.protect) return "protected: the engine refuses this step, and the update fails until protection is lifted";
    if (s.retainOnDelete) {
        return s.op === "replace"
            ? "retained: the old one stays on the server with its data, and the new one starts EMPTY"
            : "retained: the data stays on the server, but the stack no longer manages it";
    }
    return s.op === "replace" ? "the data is DESTROYED and the new one starts EMPTY" : "the data is DESTROYED";
}

function databaseText(db: PlanReport["apps"][number]["database"]): string {
    if (db.mode === "schema") return `schema ${db.name}.${db.schema}`;
    if (db.mode === "connection") return `connection ${db.host}/${db.name}${db.schema ? `.${db.schema}` : ""}`;
    return `database ${db.name}`;
}

function table(header: string[], rows: string[][]): string[] {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows].map(
        (r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")}`,
    );
}
