// `npm run mutate`: mutation testing of the program, the CLI and the policy pack against the default
// mocha suite. Incremental: a rerun tests only the mutants in code or tests that changed.
// Surviving mutants that no test can or needs to kill are listed, with the reason, in
// stryker.equivalent.md. `npm run mutate:score` prints the score per folder.
//
// On two cores the whole scope takes hours, so it is measured in PARTS, each with an incremental
// file of its own in stryker-incremental/ (committed): a finished part is kept even if a later one
// is stopped, and a clean checkout reruns only what changed since the last measurement.
// `npm run mutate` (test/mutation/run.ts) runs the parts one after another, and
// `MUTATE_SHARD=<folder or file>[,<folder or file>...]` one part. Several small files go in one part
// to pay for one dry run.

export const SCOPE = ["components/**/*.ts", "cli/**/*.ts", "policies/**/*.ts"];
/** Every file of SCOPE in exactly one part (test/mutation/config.spec.ts checks it). */
export const PARTS = [
    ["components/lifecycle"],
    ["components/data"],
    ["components/platform"],
    ["components/tenants"],
    ["components/core"],
    ["components/nocobase"],
    ["components/supervisor"],
    ["components/runtimes"],
    ["components/config/derive.ts"],
    ["components/config/rules.ts"],
    ["components/config/parse.ts", "components/config/validate.ts", "components/config/load.ts"],
    ["components/config/stackFile.ts"],
    // The rest of the folder: the schema, its parts and its messages.
    [
        "components/config",
        "!components/config/derive.ts",
        "!components/config/rules.ts",
        "!components/config/parse.ts",
        "!components/config/validate.ts",
        "!components/config/load.ts",
        "!components/config/stackFile.ts",
    ],
    ["cli/plan"],
    ["cli/harness"],
    ["cli/local"],
    ["cli/verify", "cli/verify.ts"],
    ["cli/plan.ts", "cli/schema.ts"],
    ["policies"],
];

/**
 * The files a part's paths name: a folder stands for the TypeScript files under it, and a path
 * after `!` is left out.
 */
export const partPatterns = (paths) => paths.map((p) => (p.endsWith(".ts") ? p : `${p}/**/*.ts`));
/** A part's name, as its incremental file and reports are named: what it takes, not what it leaves out. */
export const partName = (paths) =>
    paths
        .filter((p) => !p.startsWith("!"))
        .join("+")
        .replaceAll("/", "-");

/** The paths of `MUTATE_SHARD`'s comma-separated list, as test/mutation/run.ts reads it too. */
export const shardPaths = (text) => text.split(",").map((p) => p.trim().replace(/\/+$/, ""));

const shard = process.env.MUTATE_SHARD === undefined ? undefined : shardPaths(process.env.MUTATE_SHARD);
// A mutant in code that runs when a module loads can only be tried in a fresh process against
// every test, up to 90 s each (in one run, 12% of the mutants and 40% of the time). Such mutants are
// reported as ignored unless MUTATE_STATIC=1.
const ignoreStatic = process.env.MUTATE_STATIC !== "1";
const reports = shard ? `reports/mutation/shards/${partName(shard)}` : "reports/mutation";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
    testRunner: "mocha",
    // hookCoverage.ts credits a before-all hook's coverage to its suite's tests and reaches the
    // tests' child processes; without it most mutants would be tried against the wrong tests.
    mochaOptions: {
        config: ".mocharc.json",
        require: ["tsx/cjs", "test/mutation/hookCoverage.ts"],
        // Stryker stops a mutant's run at its first failing test, in the order the files load: the
        // in-process specs first, so that a mutant they kill never waits for the fuzz suite's
        // thousands of configurations or the CLI suites' processes.
        spec: [
            "test/**/!(fuzz|plan|verify).spec.ts",
            "test/config/fuzz.spec.ts",
            "test/cli/plan.spec.ts",
            "test/cli/verify.spec.ts",
        ],
    },
    checkers: ["typescript"],
    tsconfigFile: "tsconfig.json",
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: "perTest",
    ignoreStatic,
    mutate: shard ? partPatterns(shard) : SCOPE,
    ignorePatterns: ["bench", ".ci", "reports", "docs"],
    incremental: true,
    // A part's file is committed, unlike the reports: a clean checkout reruns only what changed
    // since the last measurement, and `npm run mutate:score` reads the scores from these files.
    // `stryker run` over the whole scope at once keeps its file with the reports.
    incrementalFile: shard ? `stryker-incremental/${partName(shard)}.json` : `${reports}/incremental.json`,
    reporters: ["clear-text", "progress", "html", "json"],
    htmlReporter: { fileName: `${reports}/index.html` },
    jsonReporter: { fileName: `${reports}/mutation.json` },
    tempDirName: "reports/mutation/.stryker-tmp",
    // Stryker gives half of this to type checkers until every mutant is checked, then all of it to
    // test runners. Three on two cores ran two checkers beside one runner, which starved it.
    concurrency: 2,
    timeoutMS: 30000,
    thresholds: { high: 90, low: 85, break: null },
};
