/**
 * `npm run mutate:score [-- --survivors <path prefix>]`: the mutation score per folder, from the
 * incremental files `npm run mutate` keeps in `stryker-incremental/` (committed, so a clean checkout
 * shows the last measurement), computed by Stryker's own metrics library. A file measured in
 * several parts is taken from the part whose recorded source is the file's current one. Files whose
 * source changed since they were measured, and files of the scope never measured, are listed: their
 * rows are not the current code's. With `--survivors`, also lists the mutants under that prefix that
 * no test killed.
 */
import { globSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { MetricsResult } from "mutation-testing-metrics";
import { PROJECT_ROOT } from "../../components/core/project";
import { loadStrykerConfig } from "./strykerConfig";

export interface FileResult {
    source: string;
    mutants: Mutant[];
}
export type Files = Record<string, FileResult>;
interface Mutant {
    mutatorName: string;
    replacement?: string;
    status: string;
    /** The killing test's message; scrub.ts removes it before a file is committed. */
    statusReason?: string;
    location: { start: { line: number; column: number } };
}

export const BASELINES = path.join(PROJECT_ROOT, "stryker-incremental");
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

/** The committed measurement files, one per part, in a stable order. */
export function baselineFiles(): string[] {
    return readdirSync(BASELINES)
        .filter((n) => n.endsWith(".json"))
        .sort()
        .map((n) => path.join(BASELINES, n));
}

const sources = new Map<string, string | undefined>();
/** A file's source today (read once: several parts and the staleness check compare against it). */
function current(file: string): string | undefined {
    if (!sources.has(file)) {
        try {
            sources.set(file, readFileSync(path.join(PROJECT_ROOT, file), "utf8"));
        } catch {
            sources.set(file, undefined);
        }
    }
    return sources.get(file);
}

/** Every part's files in one; where parts overlap, the one that measured the current source wins. */
function mergedFiles(): Files {
    const merged: Files = {};
    for (const baseline of baselineFiles()) {
        const { files } = JSON.parse(readFileSync(baseline, "utf8")) as { files: Files };
        for (const [file, result] of Object.entries(files)) {
            if (!merged[file] || result.source === current(file)) merged[file] = result;
        }
    }
    return merged;
}

/** Files measured against a source other than today's, and files of the scope never measured. */
function staleness(files: Files, scope: readonly string[]): { changed: string[]; unmeasured: string[] } {
    const inScope = globSync(scope, { cwd: PROJECT_ROOT }).sort();
    return {
        changed: Object.keys(files)
            .filter((f) => files[f].source !== current(f))
            .sort(),
        unmeasured: inScope.filter((f) => !files[f]),
    };
}

const pct = (n: number) => (Number.isNaN(n) ? "n/a" : `${n.toFixed(1)}%`);

function row(name: string, m: MetricsResult["metrics"]): string {
    const cells = [name, m.totalValid, m.killed, m.timeout, m.survived, m.noCoverage, m.compileErrors, m.ignored];
    return `| ${cells.join(" | ")} | ${pct(m.mutationScore)} |`;
}

/** Rows for the folders two levels down (`components/config`, `cli/plan`) and the files above them. */
function folders(result: MetricsResult, at: string, depth = 0): [string, MetricsResult][] {
    if (depth === 2 || result.childResults.length === 0) return [[at, result]];
    return result.childResults.flatMap((c) => folders(c, at ? `${at}/${c.name}` : c.name, depth + 1));
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { survivors: { type: "string" } } });
    const files = mergedFiles();
    if (Object.keys(files).length === 0) {
        console.error(`no measurement in ${path.relative(process.cwd(), BASELINES)}: run npm run mutate first`);
        process.exit(1);
    }
    const { SCOPE } = await loadStrykerConfig();
    const { calculateMetrics } = await import("mutation-testing-metrics");
    const root = calculateMetrics(files as unknown as Parameters<typeof calculateMetrics>[0]);
    console.log("| folder | valid | killed | timed out | survived | no coverage | type errors | ignored | score |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const [name, folder] of folders(root, "")) console.log(row(name, folder.metrics));
    console.log(row("**measured**", root.metrics));
    const { changed, unmeasured } = staleness(files, SCOPE);
    if (changed.length) console.log(`\nchanged since measured (rerun to update): ${changed.join(", ")}`);
    if (unmeasured.length)
        console.log(`\nnot measured, or without mutants (${unmeasured.length} files): ${unmeasured.join(", ")}`);
    if (values.survivors === undefined) return;
    console.log();
    for (const [file, { mutants }] of Object.entries(files).sort()) {
        if (!file.startsWith(values.survivors)) continue;
        for (const m of mutants.filter((x) => UNDETECTED.has(x.status))) {
            const { line, column } = m.location.start;
            console.log(
                `${file}:${line}:${column} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement ?? "")}`,
            );
        }
    }
}

if (require.main === module) void main();
