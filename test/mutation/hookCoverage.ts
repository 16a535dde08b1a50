/**
 * A mocha root-hook plugin that `npm run mutate` loads (stryker.config.mjs, `mochaOptions.require`);
 * `npm test` never does.
 *
 * Stryker's mocha runner credits coverage to the test its root `beforeEach` named last and never
 * clears that name. What a suite's `before` hook runs is therefore credited to the last test of
 * the suite that ran before it, and a mutant reached only there is tried against that unrelated
 * test and "survives". Most suites here render a stack or start a server in a `before` hook, so
 * this was the largest source of false survivors. Code that runs in a test's child process (the
 * plan and verify CLIs, Pulumi's provider host) was neither mutated nor counted as covered.
 *
 * This plugin credits a before-all hook's coverage to every test under its suite, hands the
 * active mutant to child processes through the variable Stryker's instrumented code reads, and in
 * the dry run collects the children's coverage (childCoverage.cjs) for the test or suite that
 * started them.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Context, Hook, Suite, Test } from "mocha";
import { poll } from "../../components/core/poll";

type Counts = Record<string, number>;
interface Coverage {
    static: Counts;
    perTest: Record<string, Counts>;
}
/** Stryker's instrumenter state (its INSTRUMENTER_CONSTANTS: the `__stryker__` global). */
interface Instrumenter {
    activeMutant?: string;
    currentTestId?: string;
    mutantCoverage?: Coverage;
}
interface ChildReport {
    owner?: string;
    coverage: Coverage;
}

/** The variable Stryker's instrumented code reads when its process was not told the mutant. */
const ACTIVE_MUTANT_ENV = "__STRYKER_ACTIVE_MUTANT__";
/** stryker.config.mjs's switch for static mutants (it sets `ignoreStatic` from the same variable). */
const STATIC_ENV = "MUTATE_STATIC";
/** Read by childCoverage.cjs. */
const CHILD_COVERAGE_ENV = "NOCOBASE_MUTATION_COVERAGE";
const CHILD_PRELOAD = path.join(__dirname, "childCoverage.cjs");
const CHILDREN_EXIT_MS = 10_000;

const instrumenter = (): Instrumenter => ((globalThis as { __stryker__?: Instrumenter }).__stryker__ ??= {});
const PRELOAD_OPTION = `--require ${JSON.stringify(CHILD_PRELOAD)}`;
let active = false;
/** Where the dry run's children write their reports; made when the first one may start. */
let childDir: string | undefined;

/**
 * The NODE_OPTIONS for a child that must not inherit the tests' own (Pulumi's provider host runs
 * without the TypeScript loader, as under the engine): the coverage preload during a mutation run.
 */
export function childNodeOptions(): string | undefined {
    return active ? PRELOAD_OPTION : undefined;
}

/** Coverage credited to a suite's before-all hooks, under a name no test can have. */
const hookOwners = new Map<string, Suite>();
const prepared = new WeakSet<Suite>();

function creditTo(owner: string | undefined): void {
    const state = instrumenter();
    state.currentTestId = owner;
    if (state.activeMutant === undefined) {
        childDir ??= mkdtempSync(path.join(os.tmpdir(), "mutation-children-"));
        delete process.env[ACTIVE_MUTANT_ENV];
        process.env[CHILD_COVERAGE_ENV] = JSON.stringify({ dir: childDir, owner });
    } else {
        process.env[ACTIVE_MUTANT_ENV] = state.activeMutant;
        delete process.env[CHILD_COVERAGE_ENV];
    }
}

/** Puts a hook that names the suite before each suite's own before-all hooks. */
function prepare(suite: Suite): void {
    if (prepared.has(suite)) return;
    prepared.add(suite);
    const hooks = (suite as unknown as { _beforeAll: Hook[] })._beforeAll;
    if (hooks.length > 0) {
        const owner = `\0before-all of ${suite.fullTitle()}`;
        hookOwners.set(owner, suite);
        suite.beforeAll(() => creditTo(owner));
        hooks.unshift(hooks.pop()!);
    }
    suite.suites.forEach(prepare);
}

function testsUnder(suite: Suite): Test[] {
    return [...suite.tests, ...suite.suites.flatMap(testsUnder)];
}

function add(into: Counts, counts: Counts): void {
    for (const [mutant, n] of Object.entries(counts)) into[mutant] = (into[mutant] ?? 0) + n;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Waits, bounded, for every child that started to write its report or die without one. */
async function childReports(): Promise<ChildReport[]> {
    const dir = childDir;
    if (dir === undefined) return [];
    childDir = undefined;
    const pending = () =>
        readdirSync(dir)
            .filter((f) => f.endsWith(".started"))
            .map((f) => Number(f.slice(0, -".started".length)))
            .filter((pid) => !existsSync(path.join(dir, `${pid}.json`)) && alive(pid));
    await poll(async () => (pending().length === 0 ? true : undefined), {
        timeoutMs: CHILDREN_EXIT_MS,
        intervalMs: 50,
        onTimeout: () => new Error(`mutation coverage: children ${pending().join(", ")} did not exit`),
    });
    const reports = readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as ChildReport);
    rmSync(dir, { recursive: true, force: true });
    return reports;
}

async function mergeCoverage(): Promise<void> {
    const coverage = instrumenter().mutantCoverage;
    if (!coverage) return;
    const ignoreStatic = process.env[STATIC_ENV] !== "1";
    // What ran here when the modules loaded; a child that loads the same modules runs it too.
    const loadTime = new Set(Object.keys(coverage.static));
    const bucket = (owner: string | undefined): Counts =>
        owner === undefined ? coverage.static : (coverage.perTest[owner] ??= {});
    for (const { owner, coverage: child } of await childReports()) {
        for (const counts of [child.static, ...Object.values(child.perTest)]) {
            // With static mutants ignored, a child's load of a module makes its constants no more
            // tested than here: otherwise every one of them would run the plan CLI's fifteen processes.
            const ran = ignoreStatic
                ? Object.fromEntries(Object.entries(counts).filter(([m]) => !loadTime.has(m)))
                : counts;
            add(bucket(owner), ran);
        }
    }
    for (const [owner, suite] of hookOwners) {
        const counts = coverage.perTest[owner];
        delete coverage.perTest[owner];
        if (counts) testsUnder(suite).forEach((test) => add(bucket(test.fullTitle()), counts));
    }
    if (ignoreStatic) forgetLoadTimeOfTestedMutants(coverage);
}

/**
 * With static mutants ignored, Stryker tries a mutant that also ran at load ("hybrid") against its
 * tests only, with the mutant switched on after loading, as any other, but first restarts the
 * runner and reloads every spec: seconds a mutant, for a fresh process the mutant never reaches.
 * Forgetting the load-time half of such a mutant's coverage spares the restart and changes nothing
 * else. With MUTATE_STATIC=1 they are tried against every test from a fresh load, as they should.
 */
function forgetLoadTimeOfTestedMutants(coverage: Coverage): void {
    const tested = new Set(Object.values(coverage.perTest).flatMap((counts) => Object.keys(counts)));
    for (const mutant of Object.keys(coverage.static)) if (tested.has(mutant)) delete coverage.static[mutant];
}

function rootOf(context: Context): Suite {
    let suite = context.test!.parent!;
    while (suite.parent) suite = suite.parent;
    return suite;
}

export const mochaHooks = {
    beforeAll(this: Context): void {
        if (!active) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${PRELOAD_OPTION}`.trim();
        active = true;
        prepare(rootOf(this));
    },
    beforeEach(this: Context): void {
        creditTo(this.currentTest?.fullTitle());
    },
    async afterAll(): Promise<void> {
        // Only the dry run measures coverage; what the merge itself runs is nobody's.
        if (instrumenter().activeMutant !== undefined) return;
        creditTo(undefined);
        await mergeCoverage();
    },
};
