/**
 * `npm run plan -- [--stack NAME | --file PATH] [--base PATH] [--json]`: validates a stack file,
 * renders the real program under mocks, runs every policy of the pack over it and, with a base
 * file, shows what would change. No engine, no passphrase, no credential: `secure:` values stay
 * secret placeholders. Exit 0: valid, no mandatory violation; 1: invalid or a mandatory violation
 * (each problem on stderr as `<key path>: <message>` or `<policy>: <message>`); 2: usage error.
 * With `--json`, stdout is one JSON document whatever happens.
 */
import * as path from "node:path";
import type { PlatformConfig } from "../components/config/types";
import { formatIssues, validateStackConfig } from "../components/config/validate";
import { policies } from "../policies/policies";
import { HelpRequested, UsageError, parseCommandLine, readableFile } from "./harness/commandLine";
import { useOfflineRuntime } from "./harness/offlineRuntime";
import { buildPlanReport, PlanReport } from "./plan/report";
import { findingText, formatPlan } from "./plan/text";
import { runPolicies } from "./harness/policyRun";
import { RenderError, Rendered, renderProgram } from "./harness/render";
import { checkSecretMarks } from "./plan/secretMarks";
import {
    StackFile,
    StackFileError,
    readStackFile,
    stackFileInput,
    stackFilePath,
    stackNameOf,
} from "../components/config/stackFile";
import { configTooLargeProblem } from "../components/core/engine";

const USAGE = "usage: npm run plan -- [--stack NAME | --file PATH] [--base PATH] [--json]";

export interface PlanArgs {
    file: string;
    stack: string;
    base?: string;
    json: boolean;
}

export function parseArgs(argv: string[]): PlanArgs {
    const { stack, file, base, json } = parseCommandLine(argv, {
        stack: { type: "string" },
        file: { type: "string" },
        base: { type: "string" },
        json: { type: "boolean" },
    });
    if (stack !== undefined && file !== undefined) throw new UsageError("give either --stack or --file, not both");
    const resolved = readableFile(file === undefined ? "stack" : "file", file ?? stackFilePath(stack ?? "dev"));
    return {
        file: resolved,
        stack: stack ?? stackNameOf(resolved),
        base: base === undefined ? undefined : readableFile("base", base),
        json: json ?? false,
    };
}

/** One line per problem, as the exit-1 contract wants them on stderr. */
export type PlanResult =
    | { ok: true; report: PlanReport; renderMs: number; problems: string[] }
    | { ok: false; stack: string; file: string; problems: string[] };

interface LoadedStack {
    config: PlatformConfig;
    rendered: Rendered;
    renderMs: number;
}

async function load(stackFile: StackFile, stack: string): Promise<{ problems: string[] } | LoadedStack> {
    const validation = validateStackConfig({ ...stackFileInput(stackFile), stack });
    if (!validation.ok) return { problems: formatIssues(validation.issues).split("\n") };
    // Valid, but past what the engine can pass to a program: found here, before a pull request's
    // preview fails without saying why.
    const tooLarge = configTooLargeProblem(stackFile.values);
    if (tooLarge) return { problems: [`config: ${tooLarge}`] };
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
        const findings = [
            ...(await runPolicies(policies, loaded.rendered.registrations)),
            ...checkSecretMarks(loaded.rendered),
        ];
        const report = buildPlanReport({
            stack: args.stack,
            file: display,
            config: loaded.config,
            rendered: loaded.rendered,
            findings,
            base:
                base && args.base
                    ? { stack: args.stack, file: path.relative(process.cwd(), args.base) || args.base, ...base }
                    : undefined,
        });
        return { ok: true, report, renderMs: loaded.renderMs, problems: report.policies.mandatory.map(findingText) };
    } finally {
        restore();
    }
}

/** Runs plan as the command line does; returns the exit code. */
export async function main(
    argv: string[],
    out: (text: string) => void = (t) => process.stdout.write(t),
    err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
    const json = argv.includes("--json");
    let args: PlanArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        if (e instanceof HelpRequested) {
            out(json ? `${JSON.stringify({ usage: USAGE })}\n` : `${USAGE}\n`);
            return 0;
        }
        if (!(e instanceof UsageError)) throw e;
        if (json)
            out(
                `${JSON.stringify({ valid: false, usageError: e.message, usage: USAGE, problems: [e.message] }, null, 2)}\n`,
            );
        err(`${e.message}\n${USAGE}\n`);
        return 2;
    }
    const result = await plan(args);
    if (args.json) {
        const doc = result.ok
            ? { valid: true, problems: result.problems, ...result.report }
            : { valid: false, stack: result.stack, file: result.file, problems: result.problems };
        out(`${JSON.stringify(doc, null, 2)}\n`);
    } else if (result.ok) {
        out(`${formatPlan(result.report)}\n\nRendered in ${result.renderMs} ms.\n`);
    }
    for (const p of result.problems) err(`${p}\n`);
    return result.problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
    const argv = process.argv.slice(2);
    main(argv).then(
        (code) => (process.exitCode = code),
        (e) => {
            // Not a verdict on the stack: the plan itself broke. Its JSON reader still gets a document.
            if (argv.includes("--json"))
                process.stdout.write(
                    `${JSON.stringify({ valid: false, problems: [`plan failed: ${(e as Error).message}`] }, null, 2)}\n`,
                );
            process.stderr.write(`${(e as Error).stack ?? e}\n`);
            process.exitCode = 1;
        },
    );
}
