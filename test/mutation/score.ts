/**
 * `npm run mutate:score [-- --survivors <path prefix>]`: the mutation score per folder, from the
 * reports `npm run mutate` wrote (the whole scope's and every shard's; for a file in several, the
 * newest report wins), computed by Stryker's own metrics library. With `--survivors`, also lists
 * the mutants under that prefix that no test killed.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { MetricsResult } from "mutation-testing-metrics";
import { PROJECT_ROOT } from "../../components/core/project";

type Files = Record<string, { mutants: Mutant[] }>;
interface Report {
    files: Files;
}
interface Mutant {
    mutatorName: string;
    replacement?: string;
    status: string;
    location: { start: { line: number; column: number } };
}

const REPORTS = path.join(PROJECT_ROOT, "reports", "mutation");
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

function reportFiles(dir: string): string[] {
    let entries: string[];
    try {
        entries = readdirSync(dir);
    } catch {
        return [];
    }
    return entries.flatMap((name) => {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) return name.startsWith(".") ? [] : reportFiles(full);
        return name === "mutation.json" ? [full] : [];
    });
}

/** Every report's files in one, a file from the newest report that has it. */
function mergedFiles(): Files | undefined {
    const reports = reportFiles(REPORTS)
        .map((file) => ({ file, mtime: statSync(file).mtimeMs }))
        .sort((a, b) => a.mtime - b.mtime);
    if (reports.length === 0) return undefined;
    return Object.assign({}, ...reports.map(({ file }) => (JSON.parse(readFileSync(file, "utf8")) as Report).files));
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
    if (!files) {
        console.error(`no mutation report under ${path.relative(process.cwd(), REPORTS)}: run npm run mutate first`);
        process.exit(1);
    }
    const { calculateMetrics } = await import("mutation-testing-metrics");
    const root = calculateMetrics(files as Parameters<typeof calculateMetrics>[0]);
    console.log("| folder | valid | killed | timed out | survived | no coverage | type errors | ignored | score |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const [name, folder] of folders(root, "")) console.log(row(name, folder.metrics));
    console.log(row("**all**", root.metrics));
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

void main();
