/**
 * `npm run plan -- [--stack NAME | --file PATH] [--base PATH] [--json]`: validates a stack file,
 * renders the real program under mocks, runs every policy of the pack over it and, with a base
 * file, shows what would change. No engine, no passphrase, no credential: `secure:` values stay
 * secret placeholders. Exit 0: valid, no mandatory violation; 1: invalid or a mandatory violation
 * (each problem on stderr as `<key path>: <message>` or `<policy>: <message>`); 2: usage error.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { PlatformConfig } from "../components/config";
import { Issue, stackConfigInput, validateStackConfig } from "../components/validation";
import { policies } from "../policies/policies";
import { useOfflineRuntime } from "./offlineRuntime";
import { buildPlanReport, PlanReport } from "./planReport";
import { findingText, formatPlan } from "./planText";
import { runPolicies } from "./policyRun";
import { RenderError, Rendered, renderProgram } from "./render";
import { checkSecretMarks } from "./secretMarks";
import { PROJECT, StackFile, StackFileError, readStackFile, stackFilePath, stackNameOf } from "./stackFile";

const USAGE = "usage: npm run plan -- [--stack NAME | --file PATH] [--base PATH] [--json]";

export interface PlanArgs {
    file: string;
    stack: string;
    base?: string;
    json: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): PlanArgs {
    let stack: string | undefined;
    let file: string | undefined;
    let base: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value`);
            return v;
        };
        if (arg === "--stack") stack = value();
        else if (arg === "--file") file = value();
        else if (arg === "--base") base = value();
        else if (arg === "--json") json = true;
        else throw new UsageError(`unknown argument ${arg}`);
    }
    if (stack !== undefined && file !== undefined) throw new UsageError("give either --stack or --file, not both");
    const resolved = file ?? stackFilePath(stack ?? "dev");
    for (const f of [resolved, base]) if (f !== undefined && !existsSync(f)) throw new UsageError(`no such file: ${f}`);
    return { file: resolved, stack: stack ?? stackNameOf(resolved), base, json };
}

/** One line per problem, as the exit-1 contract wants them on stderr. */
export type PlanResult =
    { ok: true; report: PlanReport; renderMs: number; problems: string[] } | { ok: false; stack: string; file: string; problems: string[] };

interface LoadedStack {
    config: PlatformConfig;
    rendered: Rendered;
    renderMs: number;
}

async function load(stackFile: StackFile, stack: string): Promise<{ problems: string[] } | LoadedStack> {
    const validation = validateStackConfig(stackConfigInput(stackFile.values, stackFile.secretKeys, PROJECT));
    if (!validation.ok) return { problems: validation.issues.map((i: Issue) => `${i.path}: ${i.message}`) };
    const started = performance.now();
    try {
        const rendered = await renderProgram({ stack, values: stackFile.values, secretKeys: stackFile.secretKeys });
        return { config: validation.config, rendered, renderMs: Math.round(performance.now() - started) };
    } catch (e) {
        if (e instanceof RenderError) return { problems: e.message.split("\n").filter((l) => l.trim() !== "") };
        throw e;
    }
}

export async function plan(args: PlanArgs): Promise<PlanResult> {
    const display = path.relative(process.cwd(), args.file) || args.file;
    const fail = (problems: string[]): PlanResult => ({ ok: false, stack: args.stack, file: display, problems });
    let current: StackFile;
    let baseFile: StackFile | undefined;
    try {
        current = readStackFile(args.file);
        baseFile = args.base === undefined ? undefined : readStackFile(args.base);
    } catch (e) {
        if (e instanceof StackFileError) return fail([e.message]);
        throw e;
    }
    const restore = useOfflineRuntime();
    try {
        const loaded = await load(current, args.stack);
        if ("problems" in loaded) return fail(loaded.problems);
        // The base is the same stack at another revision: same name, so that URNs line up.
        const base = baseFile && (await load(baseFile, args.stack));
        if (base && "problems" in base) return fail(base.problems.map((p) => `base ${p}`));
        const findings = [...(await runPolicies(policies, loaded.rendered.registrations)), ...checkSecretMarks(loaded.rendered)];
        const report = buildPlanReport({
            stack: args.stack,
            file: display,
            config: loaded.config,
            rendered: loaded.rendered,
            findings,
            base: base && args.base ? { stack: args.stack, file: path.relative(process.cwd(), args.base) || args.base, ...base } : undefined,
        });
        return { ok: true, report, renderMs: loaded.renderMs, problems: report.policies.mandatory.map(findingText) };
    } finally {
        restore();
    }
}

async function main(): Promise<number> {
    let args: PlanArgs;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`${e.message}\n${USAGE}\n`);
        return 2;
    }
    const result = await plan(args);
    if (args.json) {
        const doc = result.ok
            ? { valid: true, problems: result.problems, ...result.report }
            : { valid: false, stack: result.stack, file: result.file, problems: result.problems };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else if (result.ok) {
        process.stdout.write(`${formatPlan(result.report)}\n\nRendered in ${result.renderMs} ms.\n`);
    }
    for (const p of result.problems) process.stderr.write(`${p}\n`);
    return result.problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => (process.exitCode = code),
        (e) => {
            process.stderr.write(`${(e as Error).stack ?? e}\n`);
            process.exitCode = 1;
        },
    );
}
