/**
 * Bad input: thousands of mutated stack configurations (wrong types, missing keys, duplicates,
 * unicode, huge lists, injection-looking strings, prototype keys, reserved and colliding names,
 * Kubernetes name lengths, secrets put where they do not belong or left in plain text) go through
 * validation, directly and as stack file text, some of it mangled as only YAML can be (merge keys,
 * .inf, a key given twice or under a misspelled namespace, invalid UTF-8). Validation must accept
 * them or answer with key-path issues, never throw and never echo a secret; what it accepts must
 * name only safe identifiers; two independent problems put into one valid file must both be
 * reported; and a sample of accepted configurations rendered through the real program must name
 * every resource from validated strings only.
 *
 * The seed is printed with the figures; FUZZ_SEED=<seed> replays a run, FUZZ_RUNS sets its size.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parse, parseDocument } from "yaml";
import { renderProgram } from "../../cli/harness/render";
import {
    StackFileError,
    decodeStackFile,
    parseStackFile,
    readStackFile,
    stackFileInput,
    stackFilePath,
} from "../../components/config/stackFile";
import { PROJECT } from "../../components/core/project";
import { cliConfigValues } from "../support/stacks";
import { STACK_CONFIG_KEYS } from "../../components/config/stackSchema";
import { join } from "../../components/core/keyPath";
import { Issue, StackConfigInput, validateStackConfig } from "../../components/config/validate";
import {
    CANARY,
    FuzzInput,
    INJECTORS,
    Injected,
    NASTY_STRINGS,
    applyMutations,
    independent,
    mutation,
    nameTokens,
    stackFileBytes,
    stringsOf,
    textMutation,
    unsafeIdentifiers,
    validationInput,
} from "../support/fuzzConfigs";

// A new seed each local run explores; CI replays a pinned one, so that a submission never lands or
// fails by the day's dice, and so does a mutation run (Stryker's workers have STRYKER_MUTATOR_WORKER),
// whose every mutant must meet the same tests. Every seed that found something became a case in
// validation.spec.ts, or fixed the oracle.
const CI_SEED = 20261122;
const pinned = process.env.CI || process.env.STRYKER_MUTATOR_WORKER;
const SEED = Number(process.env.FUZZ_SEED ?? (pinned ? CI_SEED : Date.now() % 2 ** 31));
/** Every failure names the run it came from, so that it can be replayed. */
const REPLAY = `seed ${SEED} (FUZZ_SEED=${SEED} replays it)`;
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const TEXT_RUNS = Math.ceil(RUNS / 5);
const PAIRS = Math.ceil(RUNS / 5);
const RENDERS = 20;
const SAMPLE_STACKS = ["dev", "staging", "prod"];

/** A sample stack's config as its file holds it, `secure:` values included. */
function sampleInput(stack: string): FuzzInput {
    const config = (parse(readFileSync(stackFilePath(stack), "utf8")) as { config: Record<string, unknown> }).config;
    const values = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
    return { values, stack, fileRead: true };
}

/** A short, replayable rendering of an input for a failure message. */
function show(input: unknown): string {
    const text = JSON.stringify(input, (_k, v) =>
        typeof v === "string" && v.length > 200 ? `${v.slice(0, 40)}...(${v.length} chars)` : v,
    );
    return text.length > 4000 ? `${text.slice(0, 4000)}...` : text;
}

/** Why an issue is not a usable key-path error, if it is not. */
function issueProblem(issue: Issue, values: Record<string, unknown>, fileKeys: string[]): string | undefined {
    if (typeof issue.message !== "string" || issue.message.trim() === "") return "has no message";
    // An unknown top-level key is its own path, even the empty key.
    if (typeof issue.path !== "string" || (issue.path === "" && !Object.keys(values).includes("")))
        return "has no key path";
    if (/\n\s+at /.test(issue.message)) return "carries a stack trace";
    if (issue.message.length > 2000) return `is ${issue.message.length} characters long (echoes its input)`;
    const top = issue.path.split(/[.[]/)[0];
    const unknownTopLevel = Object.keys(values).includes(issue.path) || Object.keys(values).includes(top);
    // The reader names a key as the file spells it: with a namespace, or one at the top of the file.
    const fileKey = issue.path.includes(":") || fileKeys.includes(issue.path);
    if (!unknownTopLevel && !fileKey && !(STACK_CONFIG_KEYS as readonly string[]).includes(top))
        return `path ${JSON.stringify(issue.path)} starts with no key of the config`;
    return undefined;
}

/** Runs the generators: an exception of the fuzz's own code (not a finding) still names the seed. */
function replayable(body: () => void): void {
    try {
        body();
    } catch (e) {
        if (e instanceof Error) e.message = `${REPLAY}: ${e.message}`;
        throw e;
    }
}

const ENCRYPTED_TOKEN = new RegExp(`${CANARY.encrypted}\\w+`, "g");

/**
 * The canary a message gives away, if any. An encrypted value counts only where the program could
 * know it: the stack file was read, and the reader took the value as encrypted. A `secure:` key
 * that a text mutation mangled (`secure:all fuzz-encrypted-...`) leaves plain text, to the program
 * as to Pulumi, and a message may quote it.
 */
function echoedSecret(message: string, input: StackConfigInput): string | undefined {
    const plain = [CANARY.password, CANARY.credential].find((c) => message.includes(c));
    const encrypted = input.encryptedPaths;
    const tokens = message.match(ENCRYPTED_TOKEN);
    if (plain !== undefined || !encrypted || !tokens) return plain;
    const encryptedPaths = [...encrypted];
    const readAsPlain = stringsOf(input.values)
        .filter(([path]) => !encryptedPaths.some((e) => path === e || path.startsWith(`${e}.`)))
        .map(([, value]) => value);
    return tokens.find((token) => !readAsPlain.some((value) => value.includes(token)));
}

interface Findings {
    fuzzed: number;
    accepted: number;
    rejected: number;
    issues: number;
    crashes: Array<{ input: string; error: string }>;
    badIssues: Array<{ input: string; problem: string }>;
    echoed: Array<{ input: string; issue: string }>;
    unsafe: Array<{ input: string; problems: string[] }>;
    acceptedSample: StackConfigInput[];
    pairs: { tried: number; skipped: number; missed: Array<{ injected: string; issues: string }> };
}

/** Validates one input; returns its issues (none when accepted), or undefined when it crashed. */
function judge(input: StackConfigInput, findings: Findings, fileKeys: string[] = []): Issue[] | undefined {
    findings.fuzzed++;
    let result;
    try {
        result = validateStackConfig(input);
    } catch (e) {
        findings.crashes.push({ input: show(input), error: (e as Error).stack ?? String(e) });
        return undefined;
    }
    if (!result.ok) {
        findings.rejected++;
        findings.issues += result.issues.length;
        if (result.issues.length === 0)
            findings.badIssues.push({ input: show(input), problem: "rejected without any issue" });
        for (const issue of result.issues) {
            const problem = issueProblem(issue, input.values, fileKeys);
            if (problem)
                findings.badIssues.push({
                    input: show(input),
                    problem: `${JSON.stringify(issue).slice(0, 300)} ${problem}`,
                });
            if (echoedSecret(issue.message, input))
                findings.echoed.push({ input: show(input), issue: `${issue.path}: ${issue.message}` });
        }
        return result.issues;
    }
    findings.accepted++;
    const problems = unsafeIdentifiers(result.config, input.stack ?? "fuzz");
    if (problems.length > 0) findings.unsafe.push({ input: show(input), problems });
    const apps = input.values.apps as unknown[];
    if (findings.acceptedSample.length < RENDERS * 4 && apps.length <= 20) findings.acceptedSample.push(input);
    return [];
}

/** A stack file's bytes through the reader, as the plan reads them; a refused file counts as rejected. */
function judgeFile(bytes: Uint8Array, stack: string, findings: Findings): Issue[] | undefined {
    let file;
    let text = "";
    try {
        text = decodeStackFile(bytes);
        file = parseStackFile(text, stack);
    } catch (e) {
        findings.fuzzed++;
        const text = JSON.stringify(Buffer.from(bytes).toString("latin1").slice(0, 2000));
        if (!(e instanceof StackFileError))
            findings.crashes.push({ input: text, error: (e as Error).stack ?? String(e) });
        else {
            findings.rejected++;
            if (/\n/.test(e.message))
                findings.badIssues.push({ input: text, problem: `${JSON.stringify(e.message)} is more than one line` });
        }
        return undefined;
    }
    // The keys at the top of the file, as written (the reader quotes one that is not a plain name).
    const top = parseDocument(text).toJS() as Record<string, unknown>;
    return judge(
        stackFileInput(file),
        findings,
        Object.keys(top).map((k) => join("", k)),
    );
}

describe("bad input: property-based fuzzing of stack configuration", function () {
    this.timeout(120_000);
    const findings: Findings = {
        fuzzed: 0,
        accepted: 0,
        rejected: 0,
        issues: 0,
        crashes: [],
        badIssues: [],
        echoed: [],
        unsafe: [],
        acceptedSample: [],
        pairs: { tried: 0, skipped: 0, missed: [] },
    };
    const renderFindings = {
        rendered: 0,
        resources: 0,
        crashes: [] as Array<{ input: string; error: string }>,
        badNames: [] as string[],
    };
    const bases = SAMPLE_STACKS.map(sampleInput);
    const mutated = fc
        .tuple(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([base, ms]) => applyMutations(bases[base], ms));

    before(() =>
        replayable(() => {
            for (const input of fc.sample(mutated, { numRuns: RUNS, seed: SEED }))
                judge(validationInput(input), findings);
            // The same configurations as stack file text, some of it mangled as only YAML or bytes can be.
            const corruption = fc.option(
                fc.tuple(fc.nat(), fc.constantFrom(...NASTY_STRINGS, ":", "- ", "{", "[", "*a", "\t")),
                { nil: undefined },
            );
            const texts = fc.tuple(mutated, corruption, fc.array(textMutation, { maxLength: 2 }));
            for (const [input, corrupt, textMutations] of fc.sample(texts, { numRuns: TEXT_RUNS, seed: SEED + 1 })) {
                let bytes = Buffer.from(stackFileBytes(input, textMutations));
                if (corrupt) {
                    const offset = corrupt[0] % (bytes.length + 1);
                    bytes = Buffer.concat([bytes.subarray(0, offset), Buffer.from(corrupt[1]), bytes.subarray(offset)]);
                }
                judgeFile(bytes, input.stack, findings);
            }
            // Two problems from different families, put into one valid sample file: both must come back.
            const names = Object.keys(INJECTORS);
            const pairs = fc.tuple(
                fc.nat({ max: bases.length - 1 }),
                fc.constantFrom(...names),
                fc.constantFrom(...names),
            );
            for (const [base, a, b] of fc.sample(pairs, { numRuns: PAIRS, seed: SEED + 2 })) {
                const input = structuredClone(bases[base]);
                const injected = [INJECTORS[a](input), INJECTORS[b](input)];
                if (a === b || injected.some((i) => i === undefined) || !independent(injected[0]!, injected[1]!)) {
                    findings.pairs.skipped++;
                    continue;
                }
                findings.pairs.tried++;
                const text = (injected as Injected[]).flatMap((i) => (i.text ? [i.text] : []));
                const issues = judgeFile(stackFileBytes(input, text), input.stack, findings) ?? [];
                const missing = (injected as Injected[]).filter((i) => !issues.some((issue) => issue.path === i.path));
                if (missing.length > 0) {
                    findings.pairs.missed.push({
                        injected: `${SAMPLE_STACKS[base]}: ${a} at ${injected[0]!.path}, ${b} at ${injected[1]!.path}; missed ${missing.map((m) => m.path).join(", ")}`,
                        issues: issues.map((i) => `${i.path}: ${i.message}`).join("\n"),
                    });
                }
            }
        }),
    );

    after(() => {
        console.log(
            `      fuzz figures (seed ${SEED}): ${findings.fuzzed} configs tried, ${findings.rejected} rejected with key paths (${findings.issues} issues), ` +
                `${findings.accepted} accepted, ${findings.crashes.length} crashes, ${findings.badIssues.length} issues without a usable key path, ` +
                `${findings.echoed.length} secrets echoed, ${findings.unsafe.length} accepted with an unsafe identifier; ` +
                `${findings.pairs.tried} pairs of independent problems injected, ${findings.pairs.missed.length} with a problem missed; ` +
                `${renderFindings.rendered} accepted configs rendered (${renderFindings.resources} resources), ${renderFindings.crashes.length} render failures, ` +
                `${renderFindings.badNames.length} unsafe resource names`,
        );
    });

    it(`fuzzes thousands of configurations, most of them rejected`, () => {
        assert.ok(findings.fuzzed >= RUNS + TEXT_RUNS, `${findings.fuzzed} fuzzed`);
        assert.ok(findings.rejected > findings.fuzzed / 2, `${findings.rejected} of ${findings.fuzzed} rejected`);
        assert.ok(findings.accepted >= RENDERS, `${findings.accepted} accepted: too few to render a sample`);
    });

    it("validation never throws", () => {
        const first = findings.crashes[0];
        assert.equal(
            findings.crashes.length,
            0,
            first && `${REPLAY}: ${findings.crashes.length} crashes; first:\n${first.error}\ninput: ${first.input}`,
        );
    });

    it("every rejection is a list of key-path issues with readable messages", () => {
        const first = findings.badIssues[0];
        assert.equal(
            findings.badIssues.length,
            0,
            first &&
                `${REPLAY}: ${findings.badIssues.length} bad issues; first: ${first.problem}\ninput: ${first.input}`,
        );
    });

    it("no message shows a secret: an encrypted value, a password, a URL's credentials", () => {
        const first = findings.echoed[0];
        assert.equal(
            findings.echoed.length,
            0,
            first &&
                `${REPLAY}: ${findings.echoed.length} issues echo a secret; first: ${first.issue}\ninput: ${first.input}`,
        );
    });

    it("two independent problems injected into one valid file are both reported", () => {
        assert.ok(
            findings.pairs.tried >= PAIRS / 3,
            `only ${findings.pairs.tried} independent pairs (${findings.pairs.skipped} skipped)`,
        );
        const first = findings.pairs.missed[0];
        assert.equal(
            findings.pairs.missed.length,
            0,
            first &&
                `${REPLAY}: ${findings.pairs.missed.length} pairs with a problem missed; first: ${first.injected}\n${first.issues}`,
        );
    });

    it("every accepted identifier that reaches SQL, HTTP or a name is safe unquoted", () => {
        const kinds = new Map<string, string>();
        for (const u of findings.unsafe) for (const p of u.problems) if (!kinds.has(p)) kinds.set(p, u.input);
        const [problem, input] = [...kinds][0] ?? [];
        assert.equal(
            findings.unsafe.length,
            0,
            problem &&
                `${REPLAY}: ${findings.unsafe.length} accepted configs with unsafe identifiers (${kinds.size} distinct), e.g.:\n${[...kinds.keys()].slice(0, 15).join("\n")}\nfirst input: ${input}`,
        );
    });

    it(`renders a sample of accepted configurations; every resource is named from validated strings only`, async () => {
        // Fixed words of logical names are learned from the sample stacks; the configuration's own names come on top.
        const vocabulary = new Set<string>();
        for (const stack of SAMPLE_STACKS) {
            const file = readStackFile(stackFilePath(stack));
            for (const r of (await renderProgram({ stack, values: file.values, secretKeys: file.secretKeys }))
                .registrations)
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
            const values = cliConfigValues(input.values);
            let rendered;
            try {
                rendered = await renderProgram({
                    stack: input.stack ?? "fuzz",
                    values,
                    secretKeys: [...input.secretKeys].map((k) => `${PROJECT}:${k}`),
                    timeoutMs: 20_000,
                });
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
                    renderFindings.badNames.push(
                        `${r.type} ${JSON.stringify(r.name)} (${stray.join(", ") || "characters"}) from ${show(input)}`,
                    );
            }
        }
        const crash = renderFindings.crashes[0];
        assert.equal(
            renderFindings.crashes.length,
            0,
            crash && `an accepted configuration does not render: ${crash.error}\ninput: ${crash.input}`,
        );
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
        {
            title: "a runtime reference named like an Object.prototype member",
            path: "entry.runtime",
            edit: (v) => (v.entry.runtime = "constructor"),
        },
        ...["user", "select", "all"].map((word) => ({
            title: `an app id that is the reserved SQL keyword ${word}`,
            path: "apps[0].id",
            edit: (v: Record<string, any>) => (v.apps[0].id = word),
        })),
        {
            title: "a schema name that is a reserved SQL keyword",
            path: "apps[1].database.schema",
            edit: (v) => (v.apps[1].database.schema = "table"),
        },
        {
            title: "an apiUrl whose host does not parse",
            path: "entry.apiUrl",
            edit: (v) => (v.entry.apiUrl = "http://[x/"),
        },
        {
            title: "an admin e-mail with a NUL byte",
            path: "platform.adminEmail",
            edit: (v) => (v.platform.adminEmail = "admin\u0000@example.com"),
        },
    ];
    for (const { title, path, edit } of cases) {
        it(title, () => {
            const input = sampleInput("dev");
            edit(input.values);
            const result = validateStackConfig(validationInput(input));
            assert.equal(result.ok, false, `accepted: ${show(input)}`);
            assert.ok(
                !result.ok && result.issues.some((i) => i.path === path),
                `no issue at ${path}: ${JSON.stringify(!result.ok && result.issues)}`,
            );
        });
    }
});
