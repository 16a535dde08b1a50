/**
 * Bad input: thousands of mutated stack configurations (wrong types, missing keys, duplicates,
 * unicode, huge lists, injection-looking strings, prototype keys) go through validation, directly
 * and as stack file text. Validation must accept them or answer with key-path issues, never throw;
 * what it accepts must name only safe identifiers; and a sample of accepted configurations rendered
 * through the real program must name every resource from validated strings only.
 *
 * The seed is printed with the figures; FUZZ_SEED=<seed> replays a run, FUZZ_RUNS sets its size.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { stringify } from "yaml";
import { renderProgram } from "../cli/render";
import { PROJECT, StackFileError, parseStackFile, readStackFile, stackFilePath } from "../cli/stackFile";
import { STACK_CONFIG_KEYS } from "../components/configSchema";
import { Issue, stackConfigInput, validateStackConfig } from "../components/validation";
import { FuzzInput, NASTY_STRINGS, applyMutations, mutation, nameTokens, unsafeIdentifiers } from "./support/fuzzConfigs";

// A new seed each local run explores; CI replays a pinned one, so that a submission never lands or
// fails by the day's dice. Every seed that found something became a case in validation.spec.ts.
const CI_SEED = 20261122;
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI ? CI_SEED : Date.now() % 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const TEXT_RUNS = Math.ceil(RUNS / 5);
const RENDERS = 20;
const SAMPLE_STACKS = ["dev", "staging", "prod"];

function sampleInput(stack: string): FuzzInput {
    const file = readStackFile(stackFilePath(stack));
    const { values, secretKeys } = stackConfigInput(file.values, file.secretKeys, PROJECT);
    return { values, secretKeys: new Set(secretKeys) };
}

/** A short, replayable rendering of an input for a failure message. */
function show(input: FuzzInput): string {
    const text = JSON.stringify({ values: input.values, secretKeys: [...input.secretKeys] }, (_k, v) =>
        typeof v === "string" && v.length > 200 ? `${v.slice(0, 40)}...(${v.length} chars)` : v,
    );
    return text.length > 4000 ? `${text.slice(0, 4000)}...` : text;
}

/** Why an issue is not a usable key-path error, if it is not. */
function issueProblem(issue: Issue, values: Record<string, unknown>): string | undefined {
    if (typeof issue.message !== "string" || issue.message.trim() === "") return "has no message";
    // An unknown top-level key is its own path, even the empty key.
    if (typeof issue.path !== "string" || (issue.path === "" && !Object.keys(values).includes(""))) return "has no key path";
    if (/\n\s+at /.test(issue.message)) return "carries a stack trace";
    if (issue.message.length > 2000) return `is ${issue.message.length} characters long (echoes its input)`;
    const unknownTopLevel = Object.keys(values).includes(issue.path);
    const top = issue.path.split(/[.[]/)[0];
    if (!unknownTopLevel && !(STACK_CONFIG_KEYS as readonly string[]).includes(top))
        return `path ${JSON.stringify(issue.path)} starts with no key of the config`;
    return undefined;
}

interface Findings {
    fuzzed: number;
    accepted: number;
    rejected: number;
    issues: number;
    crashes: Array<{ input: string; error: string }>;
    badIssues: Array<{ input: string; problem: string }>;
    unsafe: Array<{ input: string; problems: string[] }>;
    acceptedSample: FuzzInput[];
}

function judge(input: FuzzInput, findings: Findings): void {
    findings.fuzzed++;
    let result;
    try {
        result = validateStackConfig(input);
    } catch (e) {
        findings.crashes.push({ input: show(input), error: (e as Error).stack ?? String(e) });
        return;
    }
    if (!result.ok) {
        findings.rejected++;
        findings.issues += result.issues.length;
        if (result.issues.length === 0) findings.badIssues.push({ input: show(input), problem: "rejected without any issue" });
        for (const issue of result.issues) {
            const problem = issueProblem(issue, input.values);
            if (problem) findings.badIssues.push({ input: show(input), problem: `${JSON.stringify(issue).slice(0, 300)} ${problem}` });
        }
        return;
    }
    findings.accepted++;
    const problems = unsafeIdentifiers(result.config);
    if (problems.length > 0) findings.unsafe.push({ input: show(input), problems });
    const apps = input.values.apps as unknown[];
    if (findings.acceptedSample.length < RENDERS * 4 && apps.length <= 20) findings.acceptedSample.push(input);
}

/** The stack file a mutated config would be, as `pulumi config` stores it. */
function stackFileText(input: FuzzInput): { text: string; secretKeys: Set<string> } {
    const config = Object.fromEntries(Object.entries(input.values).map(([k, v]) => [`${PROJECT}:${k}`, v]));
    return { text: stringify({ config }), secretKeys: input.secretKeys };
}

describe("bad input: property-based fuzzing of stack configuration", function () {
    this.timeout(120_000);
    const findings: Findings = { fuzzed: 0, accepted: 0, rejected: 0, issues: 0, crashes: [], badIssues: [], unsafe: [], acceptedSample: [] };
    const renderFindings = { rendered: 0, resources: 0, crashes: [] as Array<{ input: string; error: string }>, badNames: [] as string[] };
    const bases = SAMPLE_STACKS.map(sampleInput);
    const mutated = fc
        .tuple(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([base, ms]) => applyMutations(bases[base], ms));

    before(() => {
        for (const input of fc.sample(mutated, { numRuns: RUNS, seed: SEED })) judge(input, findings);
        // The same configurations as stack file text, some of it corrupted, through the reader first.
        const corruption = fc.option(fc.tuple(fc.nat(), fc.constantFrom(...NASTY_STRINGS, ":", "- ", "{", "[", "*a", "\t")), { nil: undefined });
        for (const [input, corrupt] of fc.sample(fc.tuple(mutated, corruption), { numRuns: TEXT_RUNS, seed: SEED + 1 })) {
            let { text } = stackFileText(input);
            if (corrupt) text = text.slice(0, corrupt[0] % (text.length + 1)) + corrupt[1] + text.slice(corrupt[0] % (text.length + 1));
            let file;
            try {
                file = parseStackFile(text, "fuzz");
            } catch (e) {
                findings.fuzzed++;
                if (e instanceof StackFileError) findings.rejected++;
                else findings.crashes.push({ input: JSON.stringify(text.slice(0, 2000)), error: (e as Error).stack ?? String(e) });
                continue;
            }
            const { values } = stackConfigInput(file.values, file.secretKeys, PROJECT);
            judge({ values, secretKeys: input.secretKeys }, findings);
        }
    });

    after(() => {
        console.log(
            `      fuzz figures (seed ${SEED}): ${findings.fuzzed} configs fuzzed, ${findings.rejected} rejected with key paths (${findings.issues} issues), ` +
                `${findings.accepted} accepted, ${findings.crashes.length} crashes, ${findings.badIssues.length} issues without a usable key path, ` +
                `${findings.unsafe.length} accepted with an unsafe identifier; ${renderFindings.rendered} accepted configs rendered ` +
                `(${renderFindings.resources} resources), ${renderFindings.crashes.length} render failures, ${renderFindings.badNames.length} unsafe resource names`,
        );
    });

    it(`fuzzes thousands of configurations, most of them rejected`, () => {
        assert.ok(findings.fuzzed >= RUNS + TEXT_RUNS, `${findings.fuzzed} fuzzed`);
        assert.ok(findings.rejected > findings.fuzzed / 2, `${findings.rejected} of ${findings.fuzzed} rejected`);
        assert.ok(findings.accepted >= RENDERS, `${findings.accepted} accepted: too few to render a sample`);
    });

    it("validation never throws", () => {
        const first = findings.crashes[0];
        assert.equal(findings.crashes.length, 0, first && `${findings.crashes.length} crashes; first:\n${first.error}\ninput: ${first.input}`);
    });

    it("every rejection is a list of key-path issues with readable messages", () => {
        const first = findings.badIssues[0];
        assert.equal(findings.badIssues.length, 0, first && `${findings.badIssues.length} bad issues; first: ${first.problem}\ninput: ${first.input}`);
    });

    it("every accepted identifier that reaches SQL, HTTP or a name is safe unquoted", () => {
        const kinds = new Map<string, string>();
        for (const u of findings.unsafe) for (const p of u.problems) if (!kinds.has(p)) kinds.set(p, u.input);
        const [problem, input] = [...kinds][0] ?? [];
        assert.equal(
            findings.unsafe.length,
            0,
            problem &&
                `${findings.unsafe.length} accepted configs with unsafe identifiers (${kinds.size} distinct), e.g.:\n${[...kinds.keys()].slice(0, 15).join("\n")}\nfirst input: ${input}`,
        );
    });

    it(`renders a sample of accepted configurations; every resource is named from validated strings only`, async () => {
        // Fixed words of logical names are learned from the sample stacks; the configuration's own names come on top.
        const vocabulary = new Set<string>();
        for (const stack of SAMPLE_STACKS) {
            const file = readStackFile(stackFilePath(stack));
            for (const r of (await renderProgram({ stack, values: file.values, secretKeys: file.secretKeys })).registrations)
                for (const t of r.name.split("-")) vocabulary.add(t);
        }
        const seen = new Set<string>();
        const sample = findings.acceptedSample.filter((input) => {
            const key = show(input);
            return !seen.has(key) && seen.add(key);
        });
        for (const input of sample.slice(0, RENDERS)) {
            const result = validateStackConfig(input);
            assert.ok(result.ok);
            const values = Object.fromEntries(Object.entries(input.values).map(([k, v]) => [`${PROJECT}:${k}`, JSON.stringify(v)]));
            let rendered;
            try {
                rendered = await renderProgram({ stack: "fuzz", values, secretKeys: [...input.secretKeys].map((k) => `${PROJECT}:${k}`), timeoutMs: 20_000 });
            } catch (e) {
                renderFindings.crashes.push({ input: show(input), error: (e as Error).message });
                continue;
            }
            renderFindings.rendered++;
            renderFindings.resources += rendered.registrations.length;
            const allowed = new Set([...vocabulary, ...nameTokens(result.config)]);
            for (const r of rendered.registrations) {
                const stray = r.name.split("-").filter((t) => !allowed.has(t));
                if (!/^[a-z0-9][a-z0-9_-]*$/.test(r.name) || stray.length > 0)
                    renderFindings.badNames.push(`${r.type} ${JSON.stringify(r.name)} (${stray.join(", ") || "characters"}) from ${show(input)}`);
            }
        }
        const crash = renderFindings.crashes[0];
        assert.equal(renderFindings.crashes.length, 0, crash && `an accepted configuration does not render: ${crash.error}\ninput: ${crash.input}`);
        assert.deepEqual(renderFindings.badNames.slice(0, 5), []);
        assert.ok(renderFindings.rendered >= Math.min(RENDERS, sample.length) && renderFindings.rendered > 0);
    });
});

/**
 * Inputs the fuzzer (or its dictionary) found accepted or crashing. Each test fails until validation
 * refuses the input with an issue at the key path named here.
 */
describe("bad input: findings, refused at their key path", () => {
    const cases: Array<{ title: string; path: string; edit: (values: Record<string, any>) => void }> = [
        {
            title: "a Docker host that does not parse as a URL (validation threw TypeError: Invalid URL)",
            path: "runtimes.local.host",
            edit: (v) => (v.runtimes.local.host = "tcp://["),
        },
        { title: "a runtime reference named like an Object.prototype member", path: "entry.runtime", edit: (v) => (v.entry.runtime = "constructor") },
        ...["user", "select", "all"].map((word) => ({
            title: `an app id that is the reserved SQL keyword ${word}`,
            path: "apps[0].id",
            edit: (v: Record<string, any>) => (v.apps[0].id = word),
        })),
        { title: "a schema name that is a reserved SQL keyword", path: "apps[1].database.schema", edit: (v) => (v.apps[1].database.schema = "table") },
        { title: "an apiUrl whose host does not parse", path: "entry.apiUrl", edit: (v) => (v.entry.apiUrl = "http://[x/") },
        { title: "an admin e-mail with a NUL byte", path: "platform.adminEmail", edit: (v) => (v.platform.adminEmail = "admin\u0000@example.com") },
    ];
    for (const { title, path, edit } of cases) {
        it(title, () => {
            const input = sampleInput("dev");
            edit(input.values);
            const result = validateStackConfig(input);
            assert.equal(result.ok, false, `accepted: ${show(input)}`);
            assert.ok(!result.ok && result.issues.some((i) => i.path === path), `no issue at ${path}: ${JSON.stringify(!result.ok && result.issues)}`);
        });
    }
});
